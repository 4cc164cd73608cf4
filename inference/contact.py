"""P3: is the shop's after-sales address a full domestic address, and is its phone real?

A full address names a province (or autonomous region, or municipality), a
city (implied by a municipality), a district or county, and a street or road
(taxonomy section 4). Addresses abroad (Hong Kong, Macau, Taiwan or another
country) are only valid for cross-border shops. Phones must be 11-digit
mobiles starting 13-19, landlines with an area code, or 400/800 service
numbers, and not a known placeholder or one repeated digit.
"""

from __future__ import annotations

import re

_MAINLAND = ("北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽",
             "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西",
             "甘肃", "青海", "内蒙古", "广西", "西藏", "宁夏", "新疆")
_MUNICIPALITIES = ("北京", "天津", "上海", "重庆")
_ABROAD = re.compile(r"^(中国)?(香港|澳门|澳門|台湾|臺灣|台北|臺北|高雄|新北|日本|韩国|韓國|美国|美國|英国|德国|法国|"
                     r"新加坡|马来西亚|泰国|越南|澳大利亚|加拿大|俄罗斯)|^(hong ?kong|macau|taiwan|japan|korea|usa|"
                     r"united states|singapore)", re.I)
_PROVINCE_SUFFIX = r"(省|市|自治区|壮族自治区|回族自治区|维吾尔自治区|特别行政区)?"
_CITY = re.compile(r"^.{1,12}?(市|自治州|地区|盟)")
_DISTRICT = re.compile(r"^.{0,12}?(区|县|旗|市)")
_STREET = re.compile(r"(路|街|巷|弄|胡同|大道|道|镇|乡|村|里|屯)")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")
_SERVICE = re.compile(r"^[48]00\d{7}$")


def address_problem(address: str, *, cross_border: bool) -> str | None:
    """Why the address is not usable, or None when it is."""
    addr = re.sub(r"\s+", "", address or "")
    if not addr:
        return "blank after-sales address"
    if _ABROAD.search(addr):
        return None if cross_border else "address abroad for a shop that is not cross-border"
    addr = addr.removeprefix("中国")
    province = next((p for p in sorted(_MAINLAND, key=len, reverse=True) if addr.startswith(p)), None)
    if province is None:
        return "address names no province, autonomous region or municipality"
    rest = re.sub("^" + _PROVINCE_SUFFIX, "", addr[len(province):])
    if province not in _MUNICIPALITIES:
        city = _CITY.match(rest)
        if not city:
            return "address names no city"
        rest = rest[city.end():]
    district = _DISTRICT.match(rest)
    if not district:
        return "address names no district or county"
    if not _STREET.search(rest[district.end():]):
        return "address names no street or road"
    return None


def phone_problem(phone: str, placeholders: list[str]) -> str | None:
    digits = re.sub(r"[\s\-()（）+]", "", phone or "")
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not digits:
        return "blank phone"
    if not digits.isdigit():
        return f"phone {phone!r} has characters other than digits"
    if digits in placeholders or len(set(digits)) == 1:
        return f"phone {phone!r} is a placeholder"
    if _MOBILE.match(digits) or _LANDLINE.match(digits) or _SERVICE.match(digits):
        return None
    return f"phone {phone!r} is not a valid mobile, landline or service number"
