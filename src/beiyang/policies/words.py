"""The pack's vocabulary in the reader's language: policy titles, document names, fact values
and parameters. The pack owns these words; this module only picks the language."""

from __future__ import annotations

from typing import Any

from beiyang.core.identifiers import DISTRICT_EN
from beiyang.core.words import english, listing, money, percent, unit_value
from beiyang.policies.queries import current_pack, document_name, fact_value_label

# Parameters whose values are the pack's codes: read through the fact that owns the codes.
LIST_UNITS = {"stages": "company.stage", "sectors": "company.sectors", "programmes": "company.programmes"}


def document_label(code: str) -> str:
    """An application document's name from the pack, in the reader's language."""
    name = document_name(str(code))
    return name.en if english() and name.en else name.zh


def policy_label(policy_id: str) -> str:
    """A policy's title from the current pack: the pack owns its vocabulary."""
    policy = current_pack().policies.get(policy_id)
    if policy is None:
        return "—"
    return policy.title.en if english() and policy.title.en else policy.title.zh


def fact_value(fact_id: str, value: Any) -> str:
    """One value of a pack fact in words: a stage, sector or programme by its pack label, a
    district by its name (Xuhui on English pages)."""
    if fact_id == "company.district":
        return DISTRICT_EN.get(str(value), str(value)) if english() else str(value)
    text = fact_value_label(fact_id, value)
    return text.en if english() else text.zh


def param_value(parameter: dict[str, Any]) -> str:
    """A parameter as a reader says it: money in the one format, lists as words, ratios as %."""
    value, unit = parameter.get("value"), parameter.get("unit") or ""
    if unit == "CNY":
        return money(value)
    if isinstance(value, (list, tuple)):
        fact = "company.district" if unit == "districts" else LIST_UNITS.get(unit)
        return listing([fact_value(fact, v) for v in value] if fact else value)
    if unit == "ratio":
        return percent(value)
    return unit_value(value, unit)
