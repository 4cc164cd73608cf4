"""Labeling functions: narrow rules, one signal each, that vote or abstain.

Each function speaks for one label and votes POSITIVE (the signal is there)
or NEGATIVE (evidence against it, e.g. a stated reason against `meaningless`),
or abstains. They are deliberately narrow: high precision, low coverage.
Their majority vote (`labeling.vote`) gives weak labels for unlabeled text and
is the rule baseline the model has to beat.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from inference.optional import require

POS, NEG, ABSTAIN = 1, -1, 0

# Domain words jieba would otherwise split, so keyword sets can match whole words.
_USER_WORDS = ("在线客服", "人工客服", "官方客服", "七天无理由", "上门取件", "仅退款", "退货退款",
               "手续费", "检测费", "折旧费", "包装费", "拆封费", "上门费", "运费险", "补差价",
               "服务网点", "售后网点", "品牌方", "快递公司", "已处理", "请知悉", "好滴", "好哒",
               "仓储费", "工本费", "鉴定费", "处理费", "保证金")


@lru_cache(maxsize=1)
def segmenter():
    jieba = require("jieba", "label")
    jieba.setLogLevel(60)            # its start-up chatter would garble progress bars
    for word in _USER_WORDS:
        jieba.add_word(word, freq=200000)
    return jieba


@lru_cache(maxsize=1)
def _simplify():
    return require("zhconv", "label").convert


@dataclass(frozen=True, slots=True)
class Doc:
    """A text prepared once for all functions: simplified, NFKC, lower case, segmented."""

    text: str
    norm: str
    context: str
    words: frozenset[str]

    @classmethod
    def of(cls, text: str, context: str | None = None) -> "Doc":
        norm = normalize(text)
        return cls(text=text, norm=norm, context=normalize(context or ""),
                   words=frozenset(segmenter().lcut(norm)))


def normalize(text: str) -> str:
    return _simplify()(unicodedata.normalize("NFKC", text), "zh-hans").lower()


@dataclass(frozen=True, slots=True)
class LabelingFunction:
    name: str
    label: str
    polarity: int                     # POS or NEG: what a firing vote says about `label`
    fires: Callable[[Doc], bool]
    signal: str                       # one line for the report

    def __call__(self, doc: Doc) -> int:
        return self.polarity if self.fires(doc) else ABSTAIN


def _rx(pattern: str) -> Callable[[Doc], bool]:
    compiled = re.compile(pattern)
    return lambda d: bool(compiled.search(d.norm))


def _letters(s: str) -> str:
    return "".join(ch for ch in s if unicodedata.category(ch)[0] in "LN")


# --- meaningless -----------------------------------------------------------------
_GREETING = re.compile(r"^(亲爱的|亲亲|亲|您好|你好|宝宝|宝|在的|哈喽|hello|hi|客官)+")
_FILLER = {"好的", "好", "嗯", "嗯嗯", "收到", "收到了", "ok", "okk", "okay", "已处理", "处理了", "请知悉",
           "知悉", "驳回", "已驳回", "了解", "明白", "知道了", "好滴", "好哒", "行", "1", "嗯呢", "哦", "哦哦",
           "已阅", "已读", "好的呢", "好的哦", "收到哦", "好的亲", "亲好的", "已收到", "ok的",
           # a bare stall is both meaningless and deflection (taxonomy section 4)
           "已反馈", "已上报", "反馈了", "等着", "已提交", "已登记", "等通知"}
_TAIL = re.compile(r"(哦|呢|哈|呀|啦|的|哒|滴|噢|亲)+$")


def _symbols_only(d: Doc) -> bool:
    stripped = "".join(d.text.split())
    return bool(stripped) and not any(unicodedata.category(ch)[0] == "L" for ch in stripped)


def _filler_only(d: Doc) -> bool:
    core = _letters(re.sub(r"\[[^\]]{1,6}\]", "", d.norm))
    core = _GREETING.sub("", core)
    return core in _FILLER or _TAIL.sub("", core) in _FILLER


def _repeated_chars(d: Doc) -> bool:
    core = _letters(d.norm)
    return len(core) >= 3 and len(set(core)) == 1


_REASON = re.compile(r"因为|由于|经检测|检测(报告|结果)|人为|超过|已超|过了?保|不在保修|照片|视频|签收|"
                     r"影响二次销售|定制|已拆封|已激活|已使用|洗过|吊牌|不符合|证据|凭证|鉴定|质检")


def _states_reason(d: Doc) -> bool:
    return len(_letters(d.norm)) > 6 and bool(_REASON.search(d.norm))


def _courtesy_after_thanks(d: Doc) -> bool:
    return bool(re.search(r"谢谢|感谢|多谢|辛苦", d.context)) and bool(
        re.search(r"不客气|不用谢|应该的|客气了|不謝|为您服务", d.norm))


# --- deflection -----------------------------------------------------------------
_DATE = (r"(今天|今日|明天|明日|后天|今晚|\d{1,2}[点:：]|\d+\s*(个)?小时内|\d{1,2}[号日]|周[一二三四五六日天]|"
         r"星期[一二三四五六日天]|\d+\s*个?工作日内?|[一二三四五六七八九十两]+个?工作日内?)")
_ACTION = r"(退款|退给您|发货|补发|重发|寄出|上门|取件|换新|安排|打款|到账|处理完|修好)"


# A date, then within a clause a future action; `已于3月5日…已退回` reports the past, no promise.
_DATED_ACTION = re.compile(rf"(?<!已于)(?<!已在){_DATE}[^。;；!！?？]{{0,14}}?(?<!已)(?<!已经){_ACTION}")


def _dated_action(d: Doc) -> bool:
    return bool(_DATED_ACTION.search(d.norm))

# --- unilateral_change --------------------------------------------------------------
_CONSENT = re.compile(r"按(照)?(您|你)[^，。,]{0,6}(要求|意思|说的|意愿|选择|需求)|(您|你)(已经?)?(同意|要求|选择)了?|"
                      r"应(您|你)的|根据(您|你)的(要求|申请|意见)|经(您|你|双方)(同意|确认)|协商一致|和您沟通(好|过)")
_OFFER_QUESTION = re.compile(r"(可以吗|行吗|好吗|可以不|行不行|是否同意|是否接受|您看(呢|可以|行|如何)|愿意吗|接受吗)"
                             r"[?？~。!！\s]*$")

# --- extra_charge -----------------------------------------------------------------
_FEE_WORDS = frozenset({"手续费", "检测费", "折旧费", "包装费", "拆封费", "押金", "保证金", "上门费", "仓储费",
                        "工本费", "鉴定费", "处理费"})

# --- commitment ------------------------------------------------------------------
# Negated (不能补偿) and completed (已补偿, 补偿已打款) mentions are no promise.
_COMPENSATE = re.compile(r"(?<!不)(?<!没)(?<!不能)(?<!无法)(?<!没有)(?<!已)(?<!已经)"
                         r"(补偿|赔偿|赔付|返现|补差价|补贴|报销|红包)(?!已|金已|款已)(给)?(您|你)?\s*\d*")
_FREIGHT_OURS = re.compile(r"运费(我们|我方|商家|由我们|由我方|本店|由商家|由本店)(来)?(承担|出|报销|补|负责)|"
                           r"(报销|补|承担)(您|你)?(的)?(来回|返回|寄回|退货)?运费|运费险")
_RESEND = re.compile(r"(给您|给你|帮您|帮你|马上|立即|立刻)(免费)?(补发|重发|重新发|换新|再发)")

FUNCTIONS: tuple[LabelingFunction, ...] = (
    LabelingFunction("symbols_only", "meaningless", POS, _symbols_only,
                     "no letters at all: digits, punctuation, emoji"),
    LabelingFunction("filler_only", "meaningless", POS, _filler_only,
                     "greeting plus a lone filler word (好的, 收到, ok, 已处理, 驳回)"),
    LabelingFunction("repeated_chars", "meaningless", POS, _repeated_chars,
                     "one character repeated (aaa, 111, 哈哈哈)"),
    LabelingFunction("states_reason", "meaningless", NEG, _states_reason,
                     "names a reason or evidence (人为, 检测, 超过, 照片, 定制)"),
    LabelingFunction("courtesy_after_thanks", "meaningless", NEG, _courtesy_after_thanks,
                     "courtesy reply to the consumer's thanks"),
    LabelingFunction("contact_support", "deflection", POS,
                     _rx(r"(联系|找|咨询|转接|转|问|询问|留言给)(一下|下)?(我们)?的?(在线|人工|官方|京东|平台|售前|售后)?客服"),
                     "sends the consumer to (online) customer support"),
    LabelingFunction("contact_manufacturer", "deflection", POS,
                     _rx(r"(联系|找|咨询|送修|去|到|寄到|送到)(一下|下)?(当地|附近|就近)?的?(厂家|厂商|品牌方|官方售后|品牌售后|"
                         r"售后网点|服务网点|维修点|售后中心|服务中心|维修中心|官方)"),
                     "sends the consumer to the manufacturer or a service centre"),
    LabelingFunction("contact_courier", "deflection", POS,
                     _rx(r"(找|联系|咨询|问|投诉)(一下|下)?(当地|派送)?的?(快递|物流|快递员|快递公司|配送员)"),
                     "sends the consumer to the courier"),
    LabelingFunction("verifying_stall", "deflection", POS,
                     _rx(r"核实中|核查中|排查中|审核中|跟进中|确认中|查询中|在核实|正在核实|在查|耐心等待|请等待|等(待)?(主管|上级|领导|仓库|"
                         r"财务|技术)(审批|审核|回复|处理|确认)"),
                     "stalls: verifying, waiting for someone"),
    LabelingFunction("reported_stall", "deflection", POS,
                     _rx(r"已(经)?(反馈|上报|提交|报备|转交|登记)(给|到|至)?(相关|上级|技术|仓库)?"),
                     "stalls: already reported or forwarded"),
    LabelingFunction("dated_action", "deflection", NEG, _dated_action,
                     "a concrete action with a date or deadline"),
    LabelingFunction("type_change", "unilateral_change", POS,
                     _rx(r"(改|转|换|变更|修改)(成|为|到)(了)?(换货|维修|仅退款|退货退款|补发|退货)|重新申请(换货|维修|仅退款|退货|补发)|"
                         r"只能(申请|走|做|办理)?(换货|维修|补发|仅退款)"),
                     "changes or asks to change the after-sales type"),
    LabelingFunction("reason_change", "unilateral_change", POS,
                     _rx(r"(申请)?原因(改|换|修改|更改|调整)(成|为|一下)?|(改|修改|更改|换)(成|为|一下)?(申请)?原因|"
                         r"(改成|改为|选)(七天|7天)无理由"),
                     "changes or asks to change the application reason"),
    LabelingFunction("method_change", "unilateral_change", POS,
                     _rx(r"上门取件(已)?(取消|关闭|不支持)|(改为|改成|只能|必须|请)(您)?(自行|自己)(寄回|寄|邮寄|寄送)|"
                         r"不(支持|提供)上门"),
                     "changes or asks to change the return method"),
    LabelingFunction("amount_change", "unilateral_change", POS,
                     _rx(r"(退款)?金额(已)?(调整|改|修改|更改|变更)(为|成|到)?|只(能|可以)退\s*[¥￥]?\d+|退款改(为|成)"),
                     "changes the refund amount"),
    LabelingFunction("consent_shown", "unilateral_change", NEG, lambda d: bool(_CONSENT.search(d.norm)),
                     "the text says the consumer asked for or agreed to it"),
    LabelingFunction("offer_question", "unilateral_change", NEG, lambda d: bool(_OFFER_QUESTION.search(d.norm)),
                     "an offer that waits for the consumer's consent"),
    LabelingFunction("fee_terms", "extra_charge", POS, lambda d: bool(d.words & _FEE_WORDS),
                     "names an invented fee (手续费, 检测费, 折旧费, 押金): a jieba word set"),
    LabelingFunction("freight_on_buyer", "extra_charge", POS,
                     _rx(r"运费(?:(?!不|无需|免|我们|我方|商家)[^，。,]){0,5}(您|你|买家|亲|顾客)(自己|自行)?(承担|出|付|支付|负责)|"
                         r"自费寄回|(不收|拒收)到付"),
                     "puts the return freight on the consumer"),
    LabelingFunction("pay_first", "extra_charge", POS,
                     _rx(r"先(付|支付|垫付|交|转|补)[^。]{0,16}(再|后|才)(退|返|发|给)"),
                     "pay first and get a refund later"),
    LabelingFunction("fee_rule_allowed", "extra_charge", NEG,
                     _rx(r"七天无理由|7天无理由|符合平台规则|按(照)?平台规(则|定)|赠品未(退|寄回)|赠品.{0,8}(扣|折价)"),
                     "a fee tied to a rule that allows it"),
    LabelingFunction("promise_compensation", "commitment", POS, lambda d: bool(_COMPENSATE.search(d.norm)),
                     "promises compensation, a price difference or a red packet"),
    LabelingFunction("promise_freight", "commitment", POS, lambda d: bool(_FREIGHT_OURS.search(d.norm)),
                     "promises to cover the return freight"),
    LabelingFunction("promise_dated_action", "commitment", POS, _dated_action,
                     "a refund, resend or pickup promised by a date"),
    LabelingFunction("promise_resend", "commitment", POS, lambda d: bool(_RESEND.search(d.norm)),
                     "promises to resend or replace"),
    LabelingFunction("vague_soon", "commitment", NEG,
                     lambda d: bool(re.search(r"尽快|会处理|稍后处理|等通知|有结果(会|再)", d.norm)) and not re.search(_DATE, d.norm),
                     "a vague 'soon' with no date is no commitment"),
)
