"""Evaluating a profile against a pack: status, amount, reasons, citations, and the
smallest change that would qualify.

Statuses are three-valued: ``eligible`` (every criterion passes), ``ineligible`` (one
fails), ``undetermined`` (none fails, but one depends on a fact we do not have; the missing
facts are named).
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from beiyang.core.identifiers import DISTRICT_EN, shanghai_today
from beiyang.policies.engine import expr
from beiyang.policies.engine.expr import UNKNOWN
from beiyang.policies.engine.pack import Ceiling, Criterion, Fact, Pack, Policy, Text
from beiyang.policies.engine.profile import profile_facts

ELIGIBLE, INELIGIBLE, UNDETERMINED = "eligible", "ineligible", "undetermined"
PASS, FAIL, UNKNOWN_RESULT = "pass", "fail", "unknown"
CENT = Decimal("0.01")
MAX_PAIR_TRIALS = 400


class CriterionResult:
    __slots__ = ("criterion", "outcome", "values")

    def __init__(self, criterion: Criterion | None, outcome: str, values: dict[str, Any]) -> None:
        self.criterion = criterion
        self.outcome = outcome
        self.values = values


class PolicyResult:
    __slots__ = (
        "_pack",
        "_params",
        "amount",
        "breakdown",
        "ceiling_note",
        "criteria",
        "lane",
        "missing_facts",
        "policy",
        "status",
        "would_qualify_if",
    )

    def __init__(self, pack: Pack, policy: Policy, params: dict[str, Any]) -> None:
        self._pack = pack
        self._params = params
        self.policy = policy
        self.status = ELIGIBLE
        self.amount: Decimal | None = None
        self.breakdown: list[tuple[str, Text, Decimal]] = []
        self.criteria: list[CriterionResult] = []
        self.missing_facts: list[str] = []
        self.would_qualify_if: list[dict[str, Any]] = []
        self.lane = policy.lane_default
        self.ceiling_note: dict[str, Any] | None = None

    @property
    def amount_fen(self) -> int | None:
        return None if self.amount is None else int(self.amount * 100)

    def to_dict(self) -> dict[str, Any]:
        pack, policy = self._pack, self.policy
        source_ids = list(
            dict.fromkeys(
                [*policy.sources, *(c.criterion.source for c in self.criteria if c.criterion is not None)]
            )
        )
        params_used = [pack.parameters[p] for p in policy.params]
        return {
            "policy": policy.id,
            "title": policy.title.zh,
            "title_en": policy.title.en,
            "summary": policy.summary.zh,
            "summary_en": policy.summary.en,
            "level": list(policy.level),
            "kind": policy.kind,
            "provider": policy.provider.zh,
            "status": self.status,
            "amount_cny": _json_amount(self.amount),
            "amount_fen": self.amount_fen,
            "amount_note": policy.amount.note.zh if policy.amount and policy.amount.note else None,
            "amount_note_en": policy.amount.note.en if policy.amount and policy.amount.note else None,
            "breakdown": [
                {"part": pid, "label": label.zh, "label_en": label.en, "amount_cny": _json_amount(v)}
                for pid, label, v in self.breakdown
            ],
            "ceiling": self.ceiling_note,
            "criteria": [
                {
                    "id": c.criterion.id if c.criterion else "ceiling",
                    "label": c.criterion.label.zh if c.criterion else self.ceiling_note["label"],
                    "label_en": c.criterion.label.en if c.criterion else self.ceiling_note["label_en"],
                    "result": c.outcome,
                    "facts": {k: _json_value(v) for k, v in c.values.items()},
                    "source": c.criterion.source if c.criterion else None,
                }
                for c in self.criteria
            ],
            "missing_facts": [
                {"fact": f, "label": pack.facts[f].label.zh, "label_en": pack.facts[f].label.en}
                for f in self.missing_facts
            ],
            "citations": [pack.sources[s].as_dict() for s in source_ids],
            "parameters": [
                {
                    "parameter": p.id,
                    "label": p.label.zh,
                    "label_en": p.label.en,
                    "value": _json_value(self._params[p.id]),
                    "unit": p.unit,
                    "assumption": p.assumption,
                    "reference": p.reference,
                }
                for p in params_used
            ],
            "would_qualify_if": self.would_qualify_if,
            "how_to_apply": policy.method,
            "lane": self.lane,
            "documents": list(policy.documents),
        }


def _json_amount(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _json_value(value: Any) -> Any:
    if isinstance(value, frozenset | set | tuple):
        return sorted(_json_value(v) for v in value)
    if isinstance(value, Decimal):
        return _json_amount(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is UNKNOWN:
        return None
    return value


class Evaluation:
    __slots__ = ("as_of", "facts", "pack", "results")

    def __init__(
        self, pack: Pack, as_of: dt.date, facts: dict[str, Any], results: list[PolicyResult]
    ) -> None:
        self.pack = pack
        self.as_of = as_of
        self.facts = facts
        self.results = results

    def by_policy(self) -> dict[str, PolicyResult]:
        return {r.policy.id: r for r in self.results}

    def sorted_results(self) -> list[PolicyResult]:
        """Eligible first, then undetermined, then ineligible; within each, larger amounts first."""
        order = {ELIGIBLE: 0, UNDETERMINED: 1, INELIGIBLE: 2}
        return sorted(self.results, key=lambda r: (order[r.status], -(r.amount or 0), r.policy.id))

    def eligible_total(self) -> Decimal:
        """The most the company can get in all: policies sharing a ceiling count once, up to it."""
        total = Decimal(0)
        shared: dict[str, Decimal] = {}
        room: dict[str, Decimal] = {}
        for r in self.results:
            if r.status != ELIGIBLE or r.amount is None:
                continue
            if r.ceiling_note is None:
                total += r.amount
            else:
                cid = r.ceiling_note["ceiling"]
                shared[cid] = shared.get(cid, Decimal(0)) + r.amount
                room[cid] = Decimal(str(r.ceiling_note["remaining_cny"]))
        return total + sum((min(v, room[c]) for c, v in shared.items()), Decimal(0))

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "pack": {"id": self.pack.id, "version": self.pack.version},
            "facts": {k: _json_value(v) for k, v in sorted(self.facts.items())},
            "summary": {
                "eligible": sum(r.status == ELIGIBLE for r in self.results),
                "undetermined": sum(r.status == UNDETERMINED for r in self.results),
                "ineligible": sum(r.status == INELIGIBLE for r in self.results),
                "eligible_amount_cny": _json_amount(self.eligible_total()),
            },
            "results": [r.to_dict() for r in self.sorted_results()],
        }


# --- Evaluation ------------------------------------------------------------------------------------


def _criteria(
    policy: Policy, facts: dict[str, Any], params: dict[str, Any]
) -> tuple[str, list[CriterionResult], list[str]]:
    status = ELIGIBLE
    results = []
    missing: list[str] = []
    for c in policy.criteria:
        value = c.fn(facts, params)
        if value is UNKNOWN:
            outcome = UNKNOWN_RESULT
            if status == ELIGIBLE:
                status = UNDETERMINED
            missing.extend(f for f in c.facts if f not in facts and f not in missing)
        elif value:
            outcome = PASS
        else:
            outcome = FAIL
            status = INELIGIBLE
        results.append(CriterionResult(c, outcome, {f: facts.get(f, UNKNOWN) for f in c.facts}))
    return status, results, missing


def _passes(policy: Policy, facts: dict[str, Any], params: dict[str, Any]) -> bool:
    """No criterion fails (unknowns allowed): the test for a proposed change."""
    return all(c.fn(facts, params) is not False for c in policy.criteria)


def _ceiling_remaining(
    ceiling: Ceiling, facts: dict[str, Any], params: dict[str, Any]
) -> tuple[Decimal, Decimal, Decimal]:
    total = Decimal(ceiling.fn(facts, params))
    used = facts.get(ceiling.used_fact, UNKNOWN)
    used = Decimal(0) if used is UNKNOWN else Decimal(used)
    return total, used, max(Decimal(0), total - used)


def evaluate_policy(
    pack: Pack,
    policy: Policy,
    facts: dict[str, Any],
    params: dict[str, Any],
    as_of: dt.date,
    suggest: bool = True,
) -> PolicyResult:
    result = PolicyResult(pack, policy, params)
    status, result.criteria, result.missing_facts = _criteria(policy, facts, params)
    amount_spec = policy.amount
    remaining = None
    if amount_spec is not None and amount_spec.ceiling is not None:
        ceiling = pack.ceilings[amount_spec.ceiling]
        total, used, remaining = _ceiling_remaining(ceiling, facts, params)
        result.ceiling_note = {
            "ceiling": ceiling.id,
            "label": ceiling.label.zh,
            "label_en": ceiling.label.en,
            "total_cny": _json_amount(total),
            "used_cny": _json_amount(used),
            "remaining_cny": _json_amount(remaining),
            "shared_by": list(ceiling.policies),
        }
        ok = remaining > 0
        result.criteria.append(CriterionResult(None, PASS if ok else FAIL, {ceiling.used_fact: used}))
        if not ok:
            status = INELIGIBLE
    result.status = status
    if amount_spec is not None and amount_spec.fn is not None and status != INELIGIBLE:
        value = amount_spec.fn(facts, params)
        if value is UNKNOWN:
            result.missing_facts.extend(
                f for f in amount_spec.facts if f not in facts and f not in result.missing_facts
            )
        else:
            amount = max(Decimal(0), Decimal(value)).quantize(CENT, ROUND_HALF_UP)
            if remaining is not None and amount > remaining:
                amount = remaining.quantize(CENT, ROUND_HALF_UP)
            result.amount = amount
            if amount_spec.split:
                allotted = Decimal(0)
                for i, part in enumerate(amount_spec.split):
                    if i == len(amount_spec.split) - 1:
                        share_amount = amount - allotted  # the last part takes the rounding remainder
                    else:
                        share_amount = (amount * Decimal(part.fn(facts, params))).quantize(
                            CENT, ROUND_HALF_UP
                        )
                        allotted += share_amount
                    result.breakdown.append((part.id, part.label, share_amount))
    if policy.lane_priority_fn is not None and policy.lane_priority_fn(facts, params) is True:
        result.lane = "priority"
    if suggest and status == INELIGIBLE:
        result.would_qualify_if = suggestions(pack, policy, facts, params, as_of)
    return result


def evaluate(
    pack: Pack,
    profile: dict[str, Any] | None = None,
    as_of: dt.date | None = None,
    *,
    facts: dict[str, Any] | None = None,
    policies: list[str] | None = None,
    suggest: bool = True,
) -> Evaluation:
    """Evaluate every policy in force on ``as_of`` (or only ``policies``) for one profile."""
    as_of = as_of or shanghai_today()
    if facts is None:
        facts = profile_facts(profile or {}, as_of, pack.facts)
    params = pack.params_at(as_of)
    wanted = pack.policies.values() if policies is None else [pack.policies[p] for p in policies]
    results = [evaluate_policy(pack, p, facts, params, as_of, suggest) for p in wanted if p.in_force(as_of)]
    return Evaluation(pack, as_of, facts, results)


# --- Would qualify if ------------------------------------------------------------------------------


def _candidates(
    pack: Pack, policy: Policy, fact: Fact, facts: dict[str, Any], params: dict[str, Any]
) -> list[Any]:
    """Values of ``fact`` that could satisfy the criteria that read it."""
    current = facts.get(fact.id, UNKNOWN)
    out: list[Any] = []
    for criterion in policy.criteria:
        if fact.id not in criterion.facts:
            continue
        for op, other in expr.comparisons_with(criterion.node, fact.id):
            value = expr.compile_scalar(other)(facts, params)
            if value is UNKNOWN:
                continue
            if op == "==":
                out.append(value)
            elif op == "!=" and fact.values:
                out.extend(v for v in fact.values if v != value)
            elif op == "in" and isinstance(value, tuple | frozenset | list):
                out.extend(value)
            elif op == "not in" and fact.values:
                out.extend(v for v in fact.values if v not in value)
            elif op in ("<=", ">="):
                out.append(value)
            elif op in ("<", ">") and isinstance(value, int):
                out.append(value - 1 if op == "<" else value + 1)
            elif op == "count" and fact.type == "set" and fact.values:
                # "has at least one": any item will do; the label says so without picking one.
                base = current if current is not UNKNOWN else frozenset()
                out.append(AnyItem(base | {next(iter(fact.values))}))
            elif op in ("contains", "contained_in", "intersects") and fact.type == "set":
                base = current if current is not UNKNOWN else frozenset()
                items = value if op == "intersects" else (value,)
                out.extend(base | {item} for item in items if item not in base)
        if fact.type == "bool":
            out.extend([True, False])
    seen: list[Any] = []
    for v in out:
        if v != current and v not in seen:
            seen.append(v)
    return seen


class AnyItem(frozenset):
    """A set change where any one more item would do (``count(x) > 0``)."""


def _change_label(fact: Fact, value: Any, current: Any) -> tuple[str, str]:
    if isinstance(value, AnyItem):
        tmpl = fact.suggest_nonempty or Text(f"补充{fact.label.zh}", f"adding your {fact.label.en}")
        return tmpl.zh, tmpl.en
    if fact.type == "set":
        added = sorted(value - (current if current is not UNKNOWN else frozenset()))
        names = [fact.value_label(v) for v in added]
        tmpl = fact.suggest_add or Text("加入{value}", "joining {value_en}")
        return (
            tmpl.zh.format(value="、".join(n.zh for n in names)),
            tmpl.en.format(value_en=", ".join(n.en for n in names)),
        )
    if fact.type == "district":
        zh, en = str(value), DISTRICT_EN.get(value, str(value))
    else:
        label = fact.value_label(value)
        zh, en = label.zh, label.en
    tmpl = fact.suggest or Text(f"{fact.label.zh}为{{value}}", f"{fact.label.en} being {{value_en}}")
    return tmpl.zh.format(value=zh), tmpl.en.format(value_en=en)


def _suggestion(pack: Pack, changes: list[tuple[str, Any]], facts: dict[str, Any]) -> dict[str, Any]:
    labels = [_change_label(pack.facts[f], v, facts.get(f, UNKNOWN)) for f, v in changes]
    en = " and ".join(label[1] for label in labels)
    return {
        "changes": [{"fact": f, "value": _json_value(v)} for f, v in changes],
        "label": "、".join(label[0] for label in labels) + "即可符合条件",
        "label_en": (en[:1].upper() + en[1:]) + " would qualify you",
    }


def suggestions(
    pack: Pack, policy: Policy, facts: dict[str, Any], params: dict[str, Any], as_of: dt.date
) -> list[dict[str, Any]]:
    """The smallest sets of changes to facts a founder can change that make no criterion fail.

    Single changes first; pairs only when no single change is enough. Facts marked
    ``mutable: false`` (age, founding date) are never proposed. Results depend only on the
    facts the policy reads and the date's parameters, so they are memoised per pack.
    """
    key = (policy.id, as_of, tuple(facts.get(f, UNKNOWN) for f in policy.facts))
    cached = pack.suggestion_cache.get(key)
    if cached is not None:
        return cached
    failing = [c for c in policy.criteria if c.fn(facts, params) is False]
    if not failing or any(all(not pack.facts[f].mutable for f in c.facts) for c in failing):
        found: list[dict[str, Any]] = []
    else:
        mutable = [f for f in dict.fromkeys(f for c in failing for f in c.facts) if pack.facts[f].mutable]
        options = {f: _candidates(pack, policy, pack.facts[f], facts, params) for f in mutable}
        found = []
        for f, values in options.items():
            for v in values:
                trial = {**facts, f: v}
                if _passes(policy, trial, params):
                    found.append(_suggestion(pack, [(f, v)], facts))
                    break  # one value per fact: the first that works is the smallest step
        if not found and len(options) > 1:
            trials = 0
            for (f1, vs1), (f2, vs2) in itertools.combinations(options.items(), 2):
                for v1, v2 in itertools.product(vs1, vs2):
                    trials += 1
                    if trials > MAX_PAIR_TRIALS:
                        break
                    if _passes(policy, {**facts, f1: v1, f2: v2}, params):
                        found.append(_suggestion(pack, [(f1, v1), (f2, v2)], facts))
                        break
    if len(pack.suggestion_cache) > 50_000:
        pack.suggestion_cache.clear()
    pack.suggestion_cache[key] = found
    return found
