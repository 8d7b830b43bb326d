"""Actions a founder negates or corrects, read before anything is proposed: "不是要取消,是要报名",
"别取消,我还要去的", "don't cancel, register me". The agent never proposes an action the founder
negated; when they say what they want instead, that is the action meant.

>>> said("不是要取消,是要报名,刚才点错了")
Said(negated={'cancel'}, wanted='register')
>>> said("别取消,我还要去的")
Said(negated={'cancel'}, wanted=None)
>>> said("不用申请了,帮我查下进度")
Said(negated={'apply'}, wanted=None)
>>> said("取消周五沙龙的报名")   # a cancellation, nothing negated
Said(negated=set(), wanted=None)
>>> said("don't cancel it, I want to register for the roadshow")
Said(negated={'cancel'}, wanted='register')
>>> said("不取消报名了,我还去")
Said(negated={'cancel'}, wanted=None)
>>> said("报名的事不是取消,是改期")
Said(negated={'cancel'}, wanted=None)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# The verbs of the actions the agent proposes, as founders write them.
VERBS = {
    "cancel": r"取消|撤销|撤掉|退掉|退出|cancel(?:ling)?|withdraw",
    "register": r"报名|报个名|参加|登记|register|sign (?:me )?up|enrol",
    "apply": r"申请|申报|apply|file an application",
}
# The action each intent proposes.
ACTION_OF = {
    "cancel_registration": "cancel",
    "register_event": "register",
    "competition_enter": "register",
    "start_application": "apply",
    "internship_apply": "apply",
}
# The verb of each proposal the agent holds for a confirmation ("别报名了" drops a competition entry).
VERB_OF_PROPOSAL = {
    "register": "register",
    "cancel": "cancel",
    "apply": "apply",
    "competition_enter": "register",
    "internship_apply": "apply",
}
# What a wanted action is, as an intent, when the message corrects itself ("不是要取消,是要报名").
INTENT_OF = {"cancel": "cancel_registration", "register": "register_event", "apply": "start_application"}

_NEG = (
    r"(?:不是要?|不是想|别再?|不要再?|不用再?|无需|先不|并不是要?|没说要?|don'?t|do not|not|no need to|never)"
)
_WANT = r"(?:是要|是想|而是要?|我要|我想|要|想|帮我|只是想|instead|i want to|i'd like to|i need to|please)"


@dataclass
class Said:
    negated: set[str] = field(default_factory=set)
    wanted: str | None = None


def _verb_at(text: str, start: int) -> str | None:
    for action, pattern in VERBS.items():
        if re.match(rf"\s*(?:{pattern})", text[start:]):
            return action
    return None


def said(text: str) -> Said:
    """The actions the message negates, and the one it asks for instead (if any)."""
    t = text.lower()
    out = Said()
    verbs = "|".join(VERBS.values())
    for m in re.finditer(rf"{_NEG}\s*(?:it\s*|to\s*)?(?=\s*(?:{verbs}))", t):
        action = _verb_at(t, m.end())
        if action:
            out.negated.add(action)
    # "不取消了", "报名不取消": a verb right after 不 (but not 不是/不要, read above).
    for m in re.finditer(rf"不(?=(?:{verbs}))", t):
        action = _verb_at(t, m.end())
        if action:
            out.negated.add(action)
    if not out.negated:
        return out
    for m in re.finditer(rf"{_WANT}\s*(?=(?:{verbs}))", t):
        action = _verb_at(t, m.end())
        if action and action not in out.negated and not re.search(rf"{_NEG}\s*$", t[: m.start()]):
            out.wanted = action
    return out
