"""What a consumer agreed to and what a merchant promised, read from chat text by rules.

R2 and R4 turn on agreement: a consumer message that accepts terms (`可以，换货吧`,
`同意退50`) with negation handled (`不同意`, `不可以`, `不行` refuse; `好的，我先试试再说`
hedges and agrees to nothing). Terms are amounts, the after-sales type and the
return method; an agreement that names none inherits the terms of the
merchant's last offer before it. P1 and T1 need a promise's kind and deadline
(`今天内`, `明天18点前`, `48小时内`, `3个工作日内`), read relative to the time the
merchant wrote it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

_REFUSE = re.compile(r"不同意|不可以|不行|不要|不接受|不答应|拒绝|不愿意|没同意|没有同意|不用了|不需要|不认可|不满意|"
                     r"凭什么|不是我同意|我没说|没答应|不可能")
_HEDGE = re.compile(r"再说|考虑一下|考虑考虑|想想|看看再|试试再|先试试|我问问|商量一下|晚点再")
_AGREE = re.compile(r"同意|可以|行吧|行的|好吧|好的|好滴|没问题|接受|就这样|那就|成交|按你说的|按您说的|听你的|"
                    r"\bok\b|\bOK\b|^行$|^好$|^嗯+$|^嗯嗯|就这么办|可以的")
_AMOUNT = re.compile(r"(?:[¥￥]\s*(\d+(?:\.\d+)?))|(\d+(?:\.\d+)?)\s*(?:元|块|rmb|RMB)|"
                     r"(?:退|退款|补|赔|返|赔偿|补偿|给您|给你)\s*(\d+(?:\.\d+)?)(?![\d.]*\s*(?:天|小时|个|号|日|月|点|%))")
_CN_NUM = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_NEGATED = re.compile(r"(不|无需|不用|不需要|免|没有|不必)(要)?(再)?(换货|退货|维修|换新|寄回|退回|返修)")
_TYPES = (("refund_only", r"仅退款|不用退货|不用寄回|不退货|只退款|不用退回|无需退货|无需寄回|不需要退货|免退货|部分退款|"
                          r"不用退|东西留着|留着用|自己留着|留着自己"),
          ("exchange", r"换货|换新|换一.|换个新|调换|重新发一"),
          ("repair", r"维修|修理|返修|保修"), ("return", r"退货退款|退货"))
_METHODS = (("pickup", r"上门取件|上门取|上门揽收|上门收|预约取件"), ("self_ship", r"自行寄回|自己寄|自寄|寄回来|自行邮寄|自己发"))


@dataclass(frozen=True)
class Terms:
    amounts: tuple[float, ...] = ()
    type: str | None = None
    return_method: str | None = None

    @property
    def empty(self) -> bool:
        return not self.amounts and self.type is None and self.return_method is None

    def covers(self, field: str, value) -> bool:
        """Whether an agreement with these terms accepts `field` set to `value`.
        An agreement that names no terms at all accepts whatever was on the table."""
        if self.empty:
            return True
        if field == "refund_amount":
            return any(abs(a - float(value)) < 0.01 for a in self.amounts)
        if field in ("type", "return_method"):
            return getattr(self, field) == value
        return True                                   # the reason: any agreement covers it

    def conflicts(self, other: "Terms") -> list[str]:
        """Fields both sides name with different values."""
        out = []
        if self.amounts and other.amounts and not set(self.amounts) & set(other.amounts):
            out.append("refund_amount")
        if self.type and other.type and self.type != other.type:
            out.append("type")
        if self.return_method and other.return_method and self.return_method != other.return_method:
            out.append("return_method")
        return out


def terms_of(text: str) -> Terms:
    text = text or ""
    amounts = tuple(float(next(g for g in groups if g)) for groups in _AMOUNT.findall(text))
    kind = next((name for name, rx in _TYPES[:1] if re.search(rx, text)), None)
    if kind is None:                       # `不换货` names a type only to rule it out
        plain = _NEGATED.sub("", text)
        kind = next((name for name, rx in _TYPES[1:] if re.search(rx, plain)), None)
    method = next((name for name, rx in _METHODS if re.search(rx, text)), None)
    return Terms(amounts=amounts, type=kind, return_method=method)


def stance(text: str | None) -> str:
    """'refuse', 'agree' or 'none' for a consumer message; refusal and hedges win over agreement words."""
    if not text:
        return "none"
    if _REFUSE.search(text):
        return "refuse"
    if _HEDGE.search(text):
        return "none"
    return "agree" if _AGREE.search(text.strip()) else "none"


@dataclass(frozen=True)
class Promise:
    kind: str                      # "money", "pickup" or "other"
    amount: float | None
    deadline: datetime | None
    deadline_text: str | None = field(default=None)


_PICKUP = re.compile(r"上门取件|上门取|取件|揽收|上门收|安排快递.{0,4}(取|收)")
_MONEY = re.compile(r"退款|退给|退还|退您|退你|补偿|赔偿|赔付|运费|差价|红包|返现|打款|报销|补贴|退回|到账|转给|"
                    r"补\s*\d|补您|补你|补给|退\s*\d")


def _end_of_day(t: datetime, days: int = 0) -> datetime:
    d = t + timedelta(days=days)
    return d.replace(hour=23, minute=59, second=59, microsecond=0)


def _add_workdays(t: datetime, n: int) -> datetime:
    d = t
    while n > 0:
        d += timedelta(days=1)
        if d.weekday() < 5:
            n -= 1
    return _end_of_day(d)


def _number(token: str) -> int:
    return int(token) if token.isdigit() else _CN_NUM.get(token, 0)


def deadline_of(text: str, written: datetime) -> tuple[datetime | None, str | None]:
    """The promised time in a merchant text, resolved against when it was written."""
    m = re.search(r"(\d+|[一二两三四五六七八九十])\s*个?小时(之)?内", text)
    if m:
        return written + timedelta(hours=_number(m.group(1))), m.group(0)
    m = re.search(r"(\d+|[一二两三四五六七八九十])\s*个?工作日(之)?内", text)
    if m:
        return _add_workdays(written, _number(m.group(1))), m.group(0)
    m = re.search(r"(\d+|[一二两三四五六七八九十])\s*天(之)?内", text)
    if m:
        return _end_of_day(written, _number(m.group(1))), m.group(0)
    m = re.search(r"(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]", text)
    if m:
        try:
            at = _end_of_day(written.replace(month=int(m.group(1)), day=int(m.group(2))))
        except ValueError:
            at = None
        if at is not None:
            return (at if at >= written else at.replace(year=at.year + 1)), m.group(0)
    m = re.search(r"(?<![月\d])(\d{1,2})\s*[号日]\s*(之)?前", text)
    if m:
        try:
            at = _end_of_day(written.replace(day=int(m.group(1))))
            return (at if at >= written else None), m.group(0)
        except ValueError:
            pass
    day = None
    for word, offset in (("后天", 2), ("明天", 1), ("明日", 1), ("今天", 0), ("今日", 0), ("今晚", 0), ("当天", 0)):
        if word in text:
            day = (word, offset)
            break
    hour = re.search(r"(\d{1,2})\s*[点:：时]", text)
    if day:
        base = written + timedelta(days=day[1])
        if hour and int(hour.group(1)) <= 24:
            h = int(hour.group(1))
            if ("下午" in text or "晚上" in text) and h < 12:
                h += 12
            at = base.replace(hour=min(h, 23), minute=59 if h == 24 else 0, second=0, microsecond=0)
            return at, f"{day[0]}{hour.group(0)}"
        for part, h in (("上午", 12), ("中午", 14), ("下午", 18)):
            if part in text:
                return base.replace(hour=h, minute=0, second=0, microsecond=0), day[0] + part
        return _end_of_day(base), day[0]
    return None, None


def promise_of(text: str, written: datetime) -> Promise:
    deadline, said = deadline_of(text, written)
    amounts = terms_of(text).amounts
    if _PICKUP.search(text) and not re.search(r"补偿|赔|差价|红包|报销", text):
        kind = "pickup"
    elif _MONEY.search(text):
        kind = "money"
    else:
        kind = "other"
    return Promise(kind=kind, amount=max(amounts) if amounts else None, deadline=deadline, deadline_text=said)


def is_offer(text: str) -> bool:
    """An offer waiting for consent (`补偿您10元，您看可以吗？`)."""
    text = text.strip()
    return text.endswith(("?", "？")) or bool(re.search(
        r"(可以吗|行吗|好吗|可以不|行不行|是否同意|是否接受|您看(呢|可以|行|如何)?|愿意吗|接受吗|考虑一下)[~。!！\s]*$", text))


_COST = re.compile(r"多付|多收|加收|补交|补缴|补运费|补邮费|额外|超重费|多花|贵了|补差|多出|加钱|多交|另付|另收|加了\d*|"
                   r"收了\d+|要\d+块|要\d+元|运费.{0,6}(涨|贵|翻倍|多)|按.{0,4}(体积|重量).{0,6}(收|算)|超重|超尺寸|超大|超长|抛货")
_NO_COST = re.compile(r"没花钱|没多花|不用我出|你们出的|商家出的|没收我|免费")
_SPECS = re.compile(r"超重|超尺寸|超大|超长|体积|尺寸|重量|太重|太大|抛货|超规")


def mentions_extra_cost(text: str | None) -> bool:
    return bool(text) and bool(_COST.search(text)) and not _NO_COST.search(text)


def names_size_or_weight(text: str | None) -> bool:
    return bool(text) and bool(_SPECS.search(text))
