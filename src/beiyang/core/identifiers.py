"""Chinese identifiers: unified social credit code, resident ID, mobile number, districts.

The check characters of GB 32100-2015 (credit codes) and GB 11643-1999 (resident IDs) are
python-stdnum's (``stdnum.cn.uscc``, ``stdnum.cn.ric``), mobile numbers are read by
``phonenumbers`` (Google's libphonenumber metadata); here they get the platform's Chinese and
English messages. Each ``parse_*`` returns the normalised value or raises ``InvalidInput``
naming the field.

>>> parse_credit_code("91310104MA1FL4XB4Y")
'91310104MA1FL4XB4Y'
>>> credit_code_check_char("91310104MA1FL4XB4")
'Y'
>>> resident_id_check_char("11010519491231002")
'X'
>>> parse_phone("+86 138-0013-8000")
'13800138000'
>>> normalize_district("徐汇区")
'徐汇'
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import phonenumbers
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidComponent

from beiyang.core.errors import InvalidInput

SHANGHAI = ZoneInfo("Asia/Shanghai")
# GB 32100-2015's 31 characters (without I, O, Z, S, V): for generating codes (demo, tests).
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_CODE_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")
_RESIDENT_ID_RE = re.compile(r"^[0-9]{17}[0-9X]$")
_PHONE_TEXT = re.compile(r"\+?[0-9 \-()]{1,40}")
_MOBILE = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def credit_code_check_char(first17: str) -> str:
    return uscc.calc_check_digit(first17)


def make_credit_code(serial: int, district_code: str = "310104") -> str:
    """A valid credit code for generated companies (tests, demo, benchmarks): the serial
    number in the organisation-code digits, the check character computed.

    >>> make_credit_code(1)
    '91310104000000001X'
    """
    body = f"91{district_code}{serial:09d}"
    return body + credit_code_check_char(body)


def _refuse_credit_code(message: str, message_en: str, field: str) -> InvalidInput:
    return InvalidInput(message, message_en, field=field, code="invalid_credit_code")


def parse_credit_code(value: object, field: str = "credit_code") -> str:
    if not isinstance(value, str):
        raise _refuse_credit_code("统一社会信用代码必须是字符串", "The credit code must be a string", field)
    code = value.strip().upper().replace(" ", "")
    if len(code) != 18:
        raise _refuse_credit_code(
            "统一社会信用代码应为18位", "A unified social credit code has 18 characters", field
        )
    # The format here (stdnum's validate wants digits in the first two places, where GB 32100
    # also allows the letters of departments such as A, N and Y); the check character is stdnum's.
    if not _CREDIT_CODE_RE.match(code):
        raise _refuse_credit_code(
            "统一社会信用代码含有不允许的字符", "The credit code contains characters it may not have", field
        )
    if uscc.calc_check_digit(code[:17]) != code[17]:
        raise _refuse_credit_code(
            "统一社会信用代码校验位不正确", "The credit code's check character is wrong", field
        )
    return code


def resident_id_check_char(first17: str) -> str:
    return ric.calc_check_digit(first17 + "0")  # stdnum reads the 17 digits before a check place


def _refuse_resident_id(message: str, message_en: str, field: str) -> InvalidInput:
    return InvalidInput(message, message_en, field=field, code="invalid_resident_id")


def parse_resident_id(value: object, field: str = "resident_id", today: dt.date | None = None) -> str:
    if not isinstance(value, str):
        raise _refuse_resident_id("身份证号必须是字符串", "The resident ID must be a string", field)
    rid = value.strip().upper()
    if not _RESIDENT_ID_RE.match(rid):
        raise _refuse_resident_id(
            "身份证号应为18位,最后一位可为X", "A resident ID has 17 digits and a check digit or X", field
        )
    # stdnum's check digit and birth date; not its birthplace table, which lags the counties
    # renamed or merged since an ID was issued.
    if ric.calc_check_digit(rid) != rid[17]:
        raise _refuse_resident_id("身份证号校验位不正确", "The resident ID's check digit is wrong", field)
    try:
        born = ric.get_birth_date(rid)
    except InvalidComponent:
        raise _refuse_resident_id(
            "身份证号中的出生日期无效", "The birth date inside the resident ID is not a date", field
        ) from None
    if born > (today or shanghai_today()) or born.year < 1900:
        raise _refuse_resident_id(
            "身份证号中的出生日期不合理", "The birth date inside the resident ID is impossible", field
        )
    return rid


def shanghai_today() -> dt.date:
    """Today's date in Shanghai, for code that runs without Django's time zone settings."""
    return dt.datetime.now(SHANGHAI).date()


def birth_date_from_resident_id(rid: str) -> dt.date:
    return ric.get_birth_date(rid)


def parse_phone(value: object, field: str = "phone") -> str:
    """A mainland mobile number (``+86`` or ``0086`` and separators allowed), as its 11 digits."""
    if not isinstance(value, str):
        raise InvalidInput(
            "手机号必须是字符串", "The phone number must be a string", field=field, code="invalid_phone"
        )
    text = value.strip()
    if text.startswith("0086"):
        text = "+86" + text[4:]
    try:
        # Digits and separators only: phonenumbers would read letters as a keypad's (vanity
        # numbers) and take extensions.
        number = phonenumbers.parse(text, "CN") if _PHONE_TEXT.fullmatch(text) else None
    except phonenumbers.NumberParseException:
        number = None
    if (
        number is None
        or number.country_code != 86
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) not in _MOBILE
    ):
        raise InvalidInput(
            "请输入以1开头的11位中国大陆手机号",
            "Enter an 11-digit mainland mobile number starting with 1",
            field=field,
            code="invalid_phone",
        )
    return str(number.national_number)


def age_on(birth_date: dt.date, on: dt.date) -> int:
    """Age in whole years (周岁) on a date.

    >>> age_on(dt.date(1991, 5, 1), dt.date(2026, 4, 30)), age_on(dt.date(1991, 5, 1), dt.date(2026, 5, 1))
    (34, 35)
    """
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


# Shanghai's sixteen districts: canonical name (no 区 suffix) and the ways people write them.
SHANGHAI_DISTRICTS: dict[str, tuple[str, ...]] = {
    "黄浦": ("黄浦区", "huangpu"),
    "徐汇": ("徐汇区", "xuhui"),
    "长宁": ("长宁区", "changning"),
    "静安": ("静安区", "jing'an", "jingan"),
    "普陀": ("普陀区", "putuo"),
    "虹口": ("虹口区", "hongkou"),
    "杨浦": ("杨浦区", "yangpu"),
    "闵行": ("闵行区", "minhang"),
    "宝山": ("宝山区", "baoshan"),
    "嘉定": ("嘉定区", "jiading"),
    "浦东": ("浦东新区", "浦东新", "浦东区", "pudong", "pudong new area"),
    "金山": ("金山区", "jinshan"),
    "松江": ("松江区", "songjiang"),
    "青浦": ("青浦区", "qingpu"),
    "奉贤": ("奉贤区", "fengxian"),
    "崇明": ("崇明区", "崇明县", "chongming"),
}
DISTRICT_EN = {
    "黄浦": "Huangpu",
    "徐汇": "Xuhui",
    "长宁": "Changning",
    "静安": "Jing'an",
    "普陀": "Putuo",
    "虹口": "Hongkou",
    "杨浦": "Yangpu",
    "闵行": "Minhang",
    "宝山": "Baoshan",
    "嘉定": "Jiading",
    "浦东": "Pudong",
    "金山": "Jinshan",
    "松江": "Songjiang",
    "青浦": "Qingpu",
    "奉贤": "Fengxian",
    "崇明": "Chongming",
}
# Companies registered outside Shanghai are recorded as such, not rejected.
OUTSIDE_SHANGHAI = "外省市"
_DISTRICT_LOOKUP: dict[str, str] = {}
for _name, _aliases in SHANGHAI_DISTRICTS.items():
    _DISTRICT_LOOKUP[_name] = _name
    for _alias in _aliases:
        _DISTRICT_LOOKUP[_alias] = _name
for _alias in (OUTSIDE_SHANGHAI, "外地", "outside shanghai", "other"):
    _DISTRICT_LOOKUP[_alias] = OUTSIDE_SHANGHAI
for _name, _en in DISTRICT_EN.items():
    _DISTRICT_LOOKUP[_en.lower()] = _name
    _DISTRICT_LOOKUP[_en.lower() + " district"] = _name


def normalize_district(value: str) -> str | None:
    """The canonical district name, or None when the text names no Shanghai district."""
    text = value.strip().lower().replace(" ", " ")
    for prefix in ("上海市", "上海"):
        if text.startswith(prefix) and len(text) > len(prefix):
            text = text[len(prefix) :]
    return _DISTRICT_LOOKUP.get(text)


def parse_district(value: object, field: str = "district") -> str:
    if not isinstance(value, str) or not (name := normalize_district(value)):
        raise InvalidInput(
            "未知的区:请填写上海的区名,例如“徐汇”或“徐汇区”,外地企业填“外省市”",
            "Unknown district: give a Shanghai district such as 徐汇 or Xuhui, or 外省市 for outside Shanghai",
            field=field,
            code="invalid_district",
        )
    return name
