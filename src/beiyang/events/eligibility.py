"""Event eligibility gates: chosen by a manager from the pack's facts (``check_gate``), said in
words from the pack's labels, and compiled into the benefits engine's condition language
(e.g. ``company.stage in ['seed', 'angel'] and count(company.sectors) > 0``), which events
created before gates existed still carry as text."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from beiyang.core.errors import InvalidInput
from beiyang.core.identifiers import DISTRICT_EN, OUTSIDE_SHANGHAI, SHANGHAI_DISTRICTS
from beiyang.policies.engine import expr
from beiyang.policies.engine.errors import ExpressionError, ProfileError
from beiyang.policies.engine.pack import Fact, Text
from beiyang.policies.engine.profile import profile_facts
from beiyang.policies.queries import company_profile, current_pack


def check_condition(text: str) -> str:
    """Refuse a gate that does not parse or names facts the pack does not have."""

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


# --- The gate a manager sets by choosing, not by writing conditions -----------------------------
#
# A gate is a list of rules, one per fact of the pack: ``{"fact": "company.stage", "values":
# ["seed", "angel"]}`` (one of these values; for a set fact, any of them, or an empty list for
# "has any"), ``{"fact": "founder.age", "max": 35}`` (and/or ``"min"``), ``{"fact":
# "company.in_town"}`` (must be true). It is stored on the event as chosen, compiled into the
# condition language above (which registration enforces, as before), and said in words from
# the pack's labels.

GATE_TYPES = ("district", "enum", "set", "int", "bool")
MAX_RULES = 12


def gate_facts() -> list[Fact]:
    """The pack's facts a manager can gate on: choices, whole numbers (ages, headcount) and
    yes/no facts; not dates or amounts."""

    return [f for f in current_pack().facts.values() if f.type in GATE_TYPES]


def fact_choices(fact: Fact) -> list[tuple[str, Text]]:
    if fact.type == "district":
        return [(d, Text(d, DISTRICT_EN.get(d, d))) for d in [*SHANGHAI_DISTRICTS, OUTSIDE_SHANGHAI]]
    return list(fact.values.items())


def _gate_error(zh: str, en: str) -> InvalidInput:
    return InvalidInput(zh, en, field="gate", code="invalid_gate")


def _whole(value: Any, fact: Fact) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _gate_error(f"{fact.label.zh}应为整数", f"{fact.label.en}: a whole number")
    low = fact.minimum if fact.minimum is not None else 0
    high = fact.maximum if fact.maximum is not None else 1_000_000
    if not low <= value <= high:
        raise _gate_error(
            f"{fact.label.zh}应在{low}到{high}之间", f"{fact.label.en} must be between {low} and {high}"
        )
    return value


def check_gate(rules: Any) -> list[dict[str, Any]]:
    """Refuse a gate naming a fact the pack does not have, a value outside the fact's choices,
    a number out of range; return it in a stable form (the pack's fact order)."""
    if rules in (None, ""):
        return []
    if not isinstance(rules, list) or len(rules) > MAX_RULES:
        raise _gate_error("报名条件格式不正确", "The gate is a list of rules")
    facts = {f.id: f for f in gate_facts()}
    out: dict[str, dict[str, Any]] = {}
    for rule in rules:
        if isinstance(rule, dict):
            rule = {k: v for k, v in rule.items() if v is not None}  # the API's unset keys
        if not isinstance(rule, dict) or rule.get("fact") not in facts:
            raise _gate_error("报名条件只能从政策包的条件中选择", "A rule names one of the pack's facts")
        fact = facts[rule["fact"]]
        if fact.id in out:
            raise _gate_error(f"“{fact.label.zh}”只能设置一次", f"{fact.label.en} is set twice")
        if set(rule) - {"fact", "values", "min", "max"}:
            raise _gate_error("报名条件格式不正确", "Unknown keys in a rule")
        clean: dict[str, Any] = {"fact": fact.id}
        if fact.type in ("district", "enum", "set"):
            allowed = dict(fact_choices(fact))
            values = rule.get("values")
            if not isinstance(values, list) or any(
                not isinstance(v, str) or v not in allowed for v in values
            ):
                raise _gate_error(
                    f"“{fact.label.zh}”只能从列出的选项中选择",
                    f"{fact.label.en}: choose among the listed values",
                )
            if not values and fact.type != "set":
                raise _gate_error(
                    f"请为“{fact.label.zh}”至少选择一项", f"{fact.label.en}: choose at least one"
                )
            clean["values"] = [v for v in allowed if v in values]  # the pack's order, no repeats
        elif fact.type == "int":
            for bound in ("min", "max"):
                if rule.get(bound) is not None:
                    clean[bound] = _whole(rule[bound], fact)
            if "min" not in clean and "max" not in clean:
                raise _gate_error(f"请填写“{fact.label.zh}”的范围", f"{fact.label.en}: give a bound")
            if clean.get("min", 0) > clean.get("max", clean.get("min", 0)):
                raise _gate_error(
                    f"“{fact.label.zh}”的下限不能高于上限",
                    f"{fact.label.en}: the lower bound is above the upper",
                )
        out[fact.id] = clean
    order = list(facts)
    return sorted(out.values(), key=lambda r: order.index(r["fact"]))


def _quoted(values: list[str]) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


def rule_condition(rule: dict[str, Any], fact: Fact) -> str:
    """One rule in the condition language (values are the pack's own codes, checked above)."""
    name = fact.id
    if fact.type == "set":
        return f"intersects({name}, {_quoted(rule['values'])})" if rule["values"] else f"count({name}) > 0"
    if fact.type in ("district", "enum"):
        return f"{name} in {_quoted(rule['values'])}"
    if fact.type == "bool":
        return f"{name} == true"
    parts = []
    if "min" in rule:
        parts.append(f"{name} >= {rule['min']}")
    if "max" in rule:
        parts.append(f"{name} <= {rule['max']}")
    return " and ".join(parts)


def gate_condition(rules: list[dict[str, Any]]) -> str:
    facts = {f.id: f for f in gate_facts()}
    return " and ".join(f"({rule_condition(r, facts[r['fact']])})" for r in rules if r["fact"] in facts)


def rule_words(rule: dict[str, Any], fact: Fact, english: bool) -> str:
    """One rule as a founder reads it: 融资阶段为种子轮或天使轮 / financing stage: seed or angel."""
    label = fact.label.en if english else fact.label.zh
    if fact.type == "bool":
        return label
    if fact.type in ("district", "enum", "set"):
        names = dict(fact_choices(fact))
        if not rule["values"]:
            return f"has recorded its {label}" if english else f"已登记{label}"
        words = [(names[v].en if english else names[v].zh) for v in rule["values"]]
        head, last = words[:-1], words[-1]
        joined = (", ".join(head) + " or " if english else "、".join(head) + "或") + last if head else last
        if fact.type == "set":
            return f"{label} include {joined}" if english else f"{label}包括{joined}"
        return f"{label}: {joined}" if english else f"{label}为{joined}"
    low, high = rule.get("min"), rule.get("max")
    if english:
        if low is not None and high is not None:
            return f"{label} between {low} and {high}"
        return f"{label} at most {high}" if high is not None else f"{label} at least {low}"
    if low is not None and high is not None:
        return f"{label}在{low}到{high}之间"
    return f"{label}不超过{high}" if high is not None else f"{label}不少于{low}"


def gate_words(rules: list[dict[str, Any]], english: bool = False) -> str:
    facts = {f.id: f for f in gate_facts()}
    words = [rule_words(r, facts[r["fact"]], english) for r in rules if r["fact"] in facts]
    return "; ".join(words) if english else ";".join(words)


def evaluate_rules(rules: list[dict[str, Any]], company) -> tuple[list[dict[str, Any]], list[str]]:
    """(the rules the company does not meet, labels of facts it has not given) — the reasons a
    registration is refused, rule by rule."""

    pack = current_pack()
    facts = {f.id: f for f in gate_facts()}
    if company is None:
        return [], ["企业信息"]
    as_of = timezone.localdate()
    try:
        known = profile_facts(company_profile(company, as_of), as_of, pack.facts)
    except ProfileError:
        return [], ["企业信息"]
    failed, missing = [], []
    for rule in rules:
        fact = facts.get(rule["fact"])
        if fact is None:
            continue
        verdict = expr.compile_scalar(expr.parse(rule_condition(rule, fact)))(known, {})
        if verdict is expr.UNKNOWN:
            missing.append(fact.label.zh)
        elif verdict is not True:
            failed.append(rule)
    return failed, missing
