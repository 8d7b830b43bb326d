"""What every capability's answer is made of: the reply, the pack, money and labels."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SUGGESTIONS = [
    "我能享受哪些政策?",
    "算力券最多补多少?",
    "这周有什么活动?",
    "帮我报名模速路演日",
    "我的申请审到哪了?",
    "转人工",
]


@dataclass
class Reply:
    zh: str
    en: str = ""
    citations: list[dict[str, Any]] = field(default_factory=list)
    proposed: dict[str, Any] | None = None
    done: dict[str, Any] | None = None
    awaiting: str | None = None
    suggestions: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)  # for other handlers, never shown


def _mid_sentence(english: str) -> str:
    """An English name or label placed mid-sentence: "Compute voucher" → "compute voucher",
    "The company works in AI" → "the company works in AI"; names that start with a proper noun
    ("Sequoia China …", "Shanghai Xuhui …", "HKUST …") keep their capitals."""
    words = english.split()
    if not words or not words[0][:1].isupper() or words[0][1:2].isupper():
        return english
    if len(words) > 1 and words[1][:1].isupper():
        return english
    return english[0].lower() + english[1:]


def _pack():
    from beiyang.policies.queries import current_pack

    return current_pack()


def _citations(policy_id: str) -> list[dict[str, Any]]:
    pack = _pack()
    policy = pack.policies.get(policy_id)
    return [pack.sources[s].as_dict() for s in policy.sources] if policy else []


def bilingual_citations(citations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Citations with the cited document's English name beside its Chinese one, from the pack's
    documents (the quote stays verbatim: it is what the source says)."""
    english = {d.zh: d.en for d in _pack().documents.values()}
    return [
        {**c, "document_en": english.get(c.get("document", ""), c.get("document", ""))} for c in citations
    ]


def _yuan(amount) -> str:
    if amount is None:
        return ""
    value = float(amount)
    if value >= 10_000 and value % 10_000 == 0:
        return f"{value / 10_000:g}万元"
    return f"{value:,.0f}元"


def _company(user):
    from beiyang.companies.queries import company_of

    return company_of(user) if getattr(user, "is_authenticated", False) else None


def _login_first() -> Reply:
    return Reply(
        "这个操作需要先登录,登录后我就能帮您办理。", "Please log in first; then I can do this for you."
    )


ASSUMPTION = ("(平台假设,以官方文件为准)", " (a platform assumption; the official documents prevail)")


def _assumed(policy_id: str) -> bool:
    """Whether the policy's amount rests on a figure the pack marks ``assumption: true``."""
    pack = _pack()
    policy = pack.policies.get(policy_id)
    if policy is None or policy.amount is None:
        return False
    return any(pack.parameters[p].assumption for p in policy.amount.params if p in pack.parameters)


def _amount_text(policy_id: str, amount) -> tuple[str, str]:
    """ "最高100万元(与模型券、语料券共享这一额度)", with the assumption label where it applies."""
    if not amount:
        return "", ""
    shared = _shared_note(policy_id)
    assumed = ASSUMPTION if _assumed(policy_id) else ("", "")
    return (
        f"最高{_yuan(amount)}{shared[0]}{assumed[0]}",
        f"up to {float(amount):,.0f} CNY{shared[1]}{assumed[1]}",
    )


def _shared_note(policy_id: str) -> tuple[str, str]:
    """ ", 与模型券、语料券共享" when the policy's ceiling is shared with others."""
    pack = _pack()
    policy = pack.policies[policy_id]
    ceiling = policy.amount.ceiling if policy.amount else None
    if not ceiling:
        return "", ""
    others = [
        p for p in pack.policies.values() if p.amount and p.amount.ceiling == ceiling and p.id != policy_id
    ]
    if not others:
        return "", ""
    return (
        f"(与{'、'.join(p.title.zh for p in others)}共享这一额度)",
        f" (a ceiling shared with the {' and '.join(_mid_sentence(p.title.en) for p in others)})",
    )
