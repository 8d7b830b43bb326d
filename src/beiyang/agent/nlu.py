"""Understanding founders' messages offline: normalisation, numbers, slots and intents.

No model download: rules written for the domain, checked against the public dev set and a
larger set of our own phrasings (colloquial, typos, traditional characters, English, mixed).

>>> understand("我32岁,公司在徐汇,可以申请语料券吗?").intent
'check_eligibility'
>>> understand("申请80万算力劵").slots
{'policy': 'compute-voucher', 'amount_cny': 800000}
>>> understand("三十四岁,公司在徐汇区").slots
{'age': 34, 'district': '徐汇'}
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import zhconv

from beiyang.core.identifiers import SHANGHAI_DISTRICTS, normalize_district

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
    "human_handoff",
    "chitchat",
    "out_of_scope",
)

TYPOS = {
    "算力卷": "算力券",
    "算力劵": "算力券",
    "模型卷": "模型券",
    "模型劵": "模型券",
    "语料卷": "语料券",
    "语料劵": "语料券",
    "人材": "人才",
    "路演曰": "路演日",
    "孵化噐": "孵化器",
    "启动资经": "启动资金",
    "免祖": "免租",
}

POLICY_ALIASES: list[tuple[str, str]] = sorted(
    [
        ("青年创业基金", "youth-fund"),
        ("青创基金", "youth-fund"),
        ("人工智能青年创业基金", "youth-fund"),
        ("youth fund", "youth-fund"),
        ("young plan", "young-plan"),
        ("1+x", "young-plan"),
        ("算力券", "compute-voucher"),
        ("算力补贴", "compute-voucher"),
        ("compute voucher", "compute-voucher"),
        ("模型券", "model-voucher"),
        ("model voucher", "model-voucher"),
        ("语料券", "corpus-voucher"),
        ("数据券", "corpus-voucher"),
        ("corpus voucher", "corpus-voucher"),
        ("办公场地", "office-rent-waiver"),
        ("办公室", "office-rent-waiver"),
        ("免租", "office-rent-waiver"),
        ("房租减免", "office-rent-waiver"),
        ("office", "office-rent-waiver"),
        ("rent", "office-rent-waiver"),
        ("人才公寓", "talent-apartment"),
        ("公寓", "talent-apartment"),
        ("talent apartment", "talent-apartment"),
        ("apartment", "talent-apartment"),
        ("启动资金", "startup-capital"),
        ("启动金", "startup-capital"),
        ("创业资金", "startup-capital"),
        ("startup capital", "startup-capital"),
        ("start-up capital", "startup-capital"),
        ("港科大孵化器", "hkust-incubator"),
        ("港科大基地", "hkust-incubator"),
        ("hkust incubator", "hkust-incubator"),
        ("港科大创业大赛", "hkust-competition"),
        ("百万元奖金", "hkust-competition"),
        ("创业大赛", "hkust-competition"),
        ("hkust competition", "hkust-competition"),
        ("红杉加速器", "sequoia-accelerator"),
        ("红杉中国创新加速器", "sequoia-accelerator"),
        ("创新加速器", "sequoia-accelerator"),
        ("sequoia accelerator", "sequoia-accelerator"),
        ("accelerator", "sequoia-accelerator"),
    ],
    key=lambda pair: -len(pair[0]),
)

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


def cn_number(text: str) -> int | None:
    """三十四 → 34, 一百 → 100, 十 → 10; None when it is not a plain Chinese numeral."""
    if not text or any(ch not in CN_DIGITS and ch not in CN_UNITS for ch in text):
        return None
    total, digit = 0, None
    for ch in text:
        if ch in CN_DIGITS:
            digit = CN_DIGITS[ch]
        else:
            total += (digit if digit is not None else 1) * CN_UNITS[ch]
            digit = None
    return total + (digit or 0)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    text = zhconv.convert(text, "zh-cn")
    for wrong, right in TYPOS.items():
        text = text.replace(wrong, right)
    return text.strip()


@dataclass
class Understanding:
    text: str
    intent: str
    slots: dict[str, Any] = field(default_factory=dict)
    confidence: float = 1.0
    words: dict[str, bool] = field(default_factory=dict)


NUM = r"(\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千]+)"


def _number(token: str) -> float | None:
    if re.fullmatch(r"\d+(?:\.\d+)?", token):
        return float(token)
    value = cn_number(token)
    return float(value) if value is not None else None


def extract_age(text: str) -> int | None:
    m = re.search(NUM + r"\s*(?:周岁|岁)", text) or re.search(
        r"(\d{2})\s*(?:-|\s)?\s*(?:years?[ -]old|yo\b)", text, re.I
    )
    if m:
        value = _number(m.group(1))
        if value is not None and 10 <= value <= 100:
            return int(value)
    m = re.search(r"今年\s*" + NUM, text)
    if m and (value := _number(m.group(1))) is not None and 10 <= value <= 100:
        return int(value)
    m = re.search(r"\b(?:i am|i'm|aged?)\s+(\d{2})\b", text, re.I)
    return int(m.group(1)) if m and 10 <= int(m.group(1)) <= 100 else None


def extract_amount(text: str) -> int | None:
    m = re.search(NUM + r"\s*(亿|万|千|w|k)(?:元|块)?", text, re.I)
    if m:
        value = _number(m.group(1))
        unit = {"亿": 100_000_000, "万": 10_000, "w": 10_000, "千": 1000, "k": 1000}[m.group(2).lower()]
        return int(value * unit) if value is not None else None
    m = re.search(r"(\d+(?:\.\d+)?)\s*(?:million|m)\b", text, re.I)
    if m:
        return int(float(m.group(1)) * 1_000_000)
    m = re.search(r"(\d{4,})\s*(?:元|块|cny|rmb|yuan)", text, re.I)
    return int(m.group(1)) if m else None


_DISTRICT_NAMES = sorted(
    {alias for name, aliases in SHANGHAI_DISTRICTS.items() for alias in (name, *aliases)},
    key=len,
    reverse=True,
)


def extract_district(text: str) -> str | None:
    lowered = text.lower()
    for alias in _DISTRICT_NAMES:
        if alias in lowered and (not alias.isascii() or re.search(rf"\b{re.escape(alias)}\b", lowered)):
            return normalize_district(alias)
    return None


def extract_policy(text: str) -> tuple[str | None, str]:
    """(policy id, the alias that named it)."""
    lowered = text.lower()
    for alias, policy in POLICY_ALIASES:
        if alias in lowered:
            return policy, alias
    return None, ""


MATCH_WORDS = [
    ("mentor", ["导师", "mentor", "顾问", "老师指导"]),
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
            "fund that",
            "funds that",
        ],
    ),
    ("incubator", ["孵化器", "孵化空间", "incubator", "入孵"]),
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
            "hire",
            "hiring",
            "talent",
            "candidate",
            "engineer",
            "intern",
        ],
    ),
]


def extract_match_kind(text: str) -> str | None:
    lowered = text.lower()
    for kind, words in MATCH_WORDS:
        if any(w in lowered for w in words):
            return kind
    return None


def _has(text: str, *words: str) -> bool:
    lowered = text.lower()
    return any(w in lowered for w in words)


EVENT_WORDS = (
    "活动",
    "路演",
    "沙龙",
    "研讨会",
    "讲座",
    "培训",
    "训练营",
    "开放日",
    "大赛",
    "比赛",
    "event",
    "salon",
    "seminar",
    "roadshow",
    "workshop",
    "meetup",
    "training",
    "open day",
)
QUESTION_WORDS = (
    "吗",
    "么",
    "?",
    "多少",
    "几",
    "谁",
    "怎么",
    "如何",
    "哪",
    "什么",
    "是否",
    "有没有",
    "what",
    "who",
    "how",
    "where",
    "when",
    "which",
    "does",
    "is there",
    "can i",
    "?",
)


def classify(text: str, slots: dict[str, Any]) -> tuple[str, float]:
    t = text.lower()
    policy = slots.get("policy")
    if _has(
        t,
        "人工",
        "客服",
        "工作人员",
        "转人工",
        "真人",
        "回个电话",
        "回电话",
        "打电话给我",
        "联系我",
        "human",
        "real person",
        "talk to someone",
        "speak to someone",
        "call me back",
        "operator",
    ):
        return "human_handoff", 0.95
    if _has(
        t,
        "取消",
        "不去了",
        "不参加了",
        "去不了",
        "退出候补",
        "退掉",
        "cancel",
        "can't make it",
        "cannot make it",
        "won't come",
    ) and (_has(t, *EVENT_WORDS, "报名", "registration", "名额") or not policy):
        return "cancel_registration", 0.9
    if _has(
        t,
        "审到哪",
        "进度",
        "有结果",
        "结果出来",
        "审核状态",
        "审批",
        "批了吗",
        "到哪一步",
        "status of my",
        "application status",
        "heard back",
        "any news on my",
    ):
        return "application_status", 0.9
    asks_balance = _has(t, "余额", "还剩", "剩多少", "剩下多少", "balance", "left on my", "how much is left")
    about_vouchers = _has(t, "券", "voucher", "额度") or policy in (
        "compute-voucher",
        "model-voucher",
        "corpus-voucher",
    )
    if asks_balance and about_vouchers:
        return "voucher_balance", 0.9
    if _has(t, *EVENT_WORDS):
        if _has(
            t,
            "报名",
            "报个名",
            "参加",
            "我要去",
            "帮我约",
            "预约",
            "占个位",
            "register",
            "sign me up",
            "sign up",
            "book me",
            "i want to join",
            "join the",
            "attend",
        ):
            return "register_event", 0.9
        if not policy or _has(t, "路演日", "沙龙", "研讨会", "活动"):
            return "list_events", 0.85
    match_kind = slots.get("match_kind")
    if match_kind and not (policy and match_kind in ("incubator", "investor")):
        return "find_match", 0.85
    eligibility = _has(
        t,
        "能申请",
        "可以申请",
        "能拿",
        "可以拿",
        "能享受",
        "可以享受",
        "能领",
        "符合",
        "够条件",
        "有资格",
        "还能",
        "eligible",
        "qualify",
        "can i get",
        "can a",
        "can we get",
        "do i get",
        "am i",
    )
    if _has(
        t, "哪些政策", "什么政策", "优惠政策", "能享受哪些", "有哪些补贴", "what can i get", "what benefits"
    ):
        return "check_eligibility", 0.85
    if eligibility and (policy or "age" in slots or "district" in slots):
        return "check_eligibility", 0.9
    wants = _has(t, "申请", "apply", "我要", "我想要", "帮我办", "办理", "领取")
    asks_how = _has(t, "怎么申请", "如何申请", "how to apply", "how do i apply")
    if policy and wants and not asks_how:
        return "start_application", 0.85
    if policy:
        return "policy_question", 0.8 if _has(t, *QUESTION_WORDS) else 0.6
    if _has(
        t,
        "你好",
        "您好",
        "早上好",
        "中午好",
        "下午好",
        "晚上好",
        "谢谢",
        "感谢",
        "在吗",
        "hello",
        "hi",
        "hey",
        "thanks",
        "thank you",
        "good morning",
    ):
        return "chitchat", 0.8
    if "age" in slots or "district" in slots:
        return "check_eligibility", 0.6
    return "out_of_scope", 0.4


def understand(raw: str) -> Understanding:
    text = normalise(raw)
    slots: dict[str, Any] = {}
    age = extract_age(text)
    if age is not None:
        slots["age"] = age
    district = extract_district(text)
    if district:
        slots["district"] = district
    policy, alias = extract_policy(text)
    if policy:
        slots["policy"] = policy
    amount = extract_amount(text) if policy else None
    if amount is not None:
        slots["amount_cny"] = amount
    # "人才公寓" names a benefit, not a hire: match words are looked for outside the policy's name.
    kind = extract_match_kind(text.lower().replace(alias, " ") if alias else text)
    if kind:
        slots["match_kind"] = kind
    intent, confidence = classify(text, slots)
    # Each intent keeps the slots its contract names.
    allowed = {
        "check_eligibility": {"age", "district", "policy"},
        "policy_question": {"policy"},
        "start_application": {"policy", "amount_cny", "age"},
        "application_status": {"policy"},
        "voucher_balance": {"policy"},
        "find_match": {"match_kind"},
    }.get(intent, set())
    return Understanding(
        text=text,
        intent=intent,
        slots={k: v for k, v in slots.items() if k in allowed},
        confidence=confidence,
    )
