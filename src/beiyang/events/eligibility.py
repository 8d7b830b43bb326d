"""Event eligibility gates, written in the benefits engine's condition language
(e.g. ``company.stage in ['seed', 'angel'] and count(company.sectors) > 0``)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from beiyang.core.errors import InvalidInput
from beiyang.policies.engine import expr
from beiyang.policies.engine.errors import ExpressionError, ProfileError
from beiyang.policies.engine.profile import profile_facts


def check_condition(text: str) -> str:
    """Refuse a gate that does not parse or names facts the pack does not have."""
    from beiyang.policies.queries import current_pack

    text = (text or "").strip()
    if not text:
        return ""
    pack = current_pack()
    try:
        node = expr.parse(text)
    except ExpressionError as exc:
        raise InvalidInput(
            f"报名条件无法解析:{exc}",
            f"The eligibility condition does not parse: {exc}",
            field="eligibility",
            code="invalid_condition",
        ) from None
    unknown = [
        n
        for n in expr.names_in(node)
        if n != expr.TODAY
        and n not in pack.facts
        and not (n.startswith("params.") and n[7:] in pack.parameters)
    ]
    if unknown:
        raise InvalidInput(
            f"报名条件引用了未知的字段:{'、'.join(sorted(unknown))}",
            f"The condition names unknown facts: {', '.join(sorted(unknown))}",
            field="eligibility",
            code="invalid_condition",
        )
    return text


def evaluate_gate(text: str, company) -> tuple[Any, list[str]]:
    """(True | False | UNKNOWN, labels of missing facts) for a company; no company is UNKNOWN."""
    from beiyang.policies.queries import company_profile, current_pack

    pack = current_pack()
    node = expr.parse(text)
    if company is None:
        return expr.UNKNOWN, ["企业信息"]
    as_of = timezone.localdate()
    try:
        facts = profile_facts(company_profile(company, as_of), as_of, pack.facts)
    except ProfileError:
        return expr.UNKNOWN, ["企业信息"]
    value = expr.compile_scalar(expr.bind_params(node, pack.params_at(as_of)))(facts, {})
    missing = [pack.facts[n].label.zh for n in expr.names_in(node) if n in pack.facts and n not in facts]
    return value, missing
