"""Evaluating a profile against a pack: status, amount, reasons, citations, and the
smallest change that would qualify.

Statuses are three-valued: ``eligible`` (every criterion passes), ``ineligible`` (one
fails), ``undetermined`` (none fails, but one depends on a fact we do not have; the missing
facts are named).
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from beiyang.core.identifiers import DISTRICT_EN, shanghai_today
from beiyang.policies.engine import expr
from beiyang.policies.engine.expr import TODAY, UNKNOWN
from beiyang.policies.engine.pack import Ceiling, Criterion, Fact, Pack, Policy, Split, Text
from beiyang.policies.engine.profile import profile_facts

ELIGIBLE, INELIGIBLE, UNDETERMINED = "eligible", "ineligible", "undetermined"
PASS, FAIL, UNKNOWN_RESULT = "pass", "fail", "unknown"
CENT = Decimal("0.01")
EARLIEST_DATE, LATEST_DATE = expr.EARLIEST_DATE, expr.LATEST_DATE
MAX_PAIR_TRIALS = 400


class BoundPolicy:
    """A policy with one date's parameters folded into its closures, so that evaluating it
    does no parameter lookups and no constant arithmetic."""

    __slots__ = (
        "_static",
        "amount_fn",
        "candidates",
        "ceiling",
        "criteria",
        "error",
        "lane_fn",
        "max_amount",
        "memo",
        "pack",
        "params",
        "policy",
        "splits",
    )

    criteria: tuple[tuple[Criterion, expr.Scalar], ...]
    amount_fn: expr.Scalar | None
    max_amount: Decimal | None
    splits: tuple[tuple[Split, Decimal], ...]
    ceiling: tuple[Ceiling, Decimal] | None
    lane_fn: expr.Scalar | None
    candidates: dict[str, list[tuple[str, Any]]]

    def __init__(self, pack: Pack, policy: Policy, params: dict[str, Any]) -> None:
        self.policy = policy
        self.pack = pack
        self.params = params
        self._static: dict[str, Any] | None = None
        self.memo: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        self.error: str | None = None
        try:
            self._bind(pack, policy, params)
        except Exception as exc:
            # Folding this date's parameters failed (a stored version, a parameter out of
            # bounds): the policy answers "cannot be determined" for every profile.
            self.error = _error_reason(exc)
            self.criteria, self.amount_fn, self.max_amount, self.splits = (), None, None, ()
            self.ceiling, self.lane_fn, self.candidates = None, None, {}

    def _bind(self, pack: Pack, policy: Policy, params: dict[str, Any]) -> None:
        self.criteria = tuple(
            (c, expr.compile_scalar(expr.bind_params(c.node, params))) for c in policy.criteria
        )
        amount = policy.amount
        self.amount_fn = (
            expr.compile_scalar(expr.bind_params(amount.node, params))
            if amount is not None and amount.node is not None
            else None
        )
        self.max_amount = (
            Decimal(amount.max_fn({}, params)).quantize(CENT, ROUND_HALF_UP)
            if amount is not None and amount.max_fn is not None
            else None
        )
        self.splits = tuple((part, Decimal(part.fn({}, params))) for part in amount.split) if amount else ()
        self.ceiling = None
        if amount is not None and amount.ceiling is not None:
            ceiling = pack.ceilings[amount.ceiling]
            self.ceiling = (ceiling, Decimal(ceiling.fn({}, params)))
        self.lane_fn = policy.lane_priority_fn
        self.candidates = {
            f: _static_candidates(pack, policy, pack.facts[f], params)
            for f in policy.facts
            if pack.facts[f].mutable
        }

    def static(self) -> dict[str, Any]:
        """The parts of every answer for this policy that no profile changes."""
        if self._static is None:
            pack, policy = self.pack, self.policy
            source_ids = list(dict.fromkeys([*policy.sources, *(c.source for c in policy.criteria)]))
            note = policy.amount.note if policy.amount else None
            maximum = None
            if self.max_amount is not None:
                words = cny_text(self.max_amount)
                maximum = Text(f"最高{words.zh}", f"Up to {words.en}")
            criteria: list[dict[str, Any]] = [
                {"id": c.id, "label": c.label.zh, "label_en": c.label.en, "source": c.source}
                for c in policy.criteria
            ]
            if self.ceiling is not None:
                ceiling = self.ceiling[0]
                criteria.append(
                    {"id": "ceiling", "label": ceiling.label.zh, "label_en": ceiling.label.en, "source": None}
                )
            self._static = {
                "_head": {
                    "policy": policy.id,
                    "title": policy.title.zh,
                    "title_en": policy.title.en,
                    "summary": policy.summary.zh,
                    "summary_en": policy.summary.en,
                    "level": list(policy.level),
                    "kind": policy.kind,
                    "provider": policy.provider.zh,
                    "amount_note": note.zh if note else None,
                    "amount_note_en": note.en if note else None,
                    # Known whatever the profile lacks: the card says "最高10万元" and an
                    # application may not ask for more.
                    "max_amount_cny": _json_amount(self.max_amount),
                    "max_amount_label": maximum.zh if maximum else None,
                    "max_amount_label_en": maximum.en if maximum else None,
                    # Its source: these parameters, each listed under "parameters" with its reference.
                    "max_amount_parameters": list(policy.amount.max_params) if policy.amount else [],
                },
                "_criteria": criteria,
                "_tail": {
                    "citations": [pack.sources[sid].as_dict() for sid in source_ids],
                    "parameters": [
                        {
                            "parameter": p.id,
                            "label": p.label.zh,
                            "label_en": p.label.en,
                            "value": _json_value(self.params[p.id]),
                            "unit": p.unit,
                            "assumption": p.assumption,
                            "reference": p.reference,
                        }
                        for p in (pack.parameters[pid] for pid in policy.params)
                    ],
                    "how_to_apply": policy.method,
                    "documents": list(policy.documents),
                },
            }
        return self._static

    def passes(self, facts: dict[str, Any]) -> bool:
        """No criterion fails (unknowns allowed): the test for a proposed change."""
        return all(fn(facts, None) is not False for _, fn in self.criteria)


def bound_policies(pack: Pack, as_of: dt.date) -> list[BoundPolicy]:
    """The policies in force on a date, bound to that date's parameters (cached per pack)."""
    bound = pack.bound_cache.get(as_of)
    if bound is None:
        params = pack.params_at(as_of)
        bound = [BoundPolicy(pack, p, params) for p in pack.policies.values() if p.in_force(as_of)]
        if len(pack.bound_cache) > 400:
            pack.bound_cache.clear()
        pack.bound_cache[as_of] = bound
    return bound


class PolicyResult:
    __slots__ = (
        "_bound",
        "_facts",
        "_pack",
        "_params",
        "amount",
        "breakdown",
        "ceiling_note",
        "criteria",
        "error",
        "lane",
        "missing_facts",
        "policy",
        "status",
        "would_qualify_if",
    )

    def __init__(self, pack: Pack, bound: BoundPolicy, params: dict[str, Any], facts: dict[str, Any]) -> None:
        policy = bound.policy
        self._bound = bound
        self._pack = pack
        self._params = params
        self._facts = facts
        self.policy = policy
        self.status = ELIGIBLE
        self.amount: Decimal | None = None
        self.breakdown: list[tuple[str, Text, Decimal]] = []
        # (criterion, outcome); the shared ceiling's own check has no criterion.
        self.criteria: list[tuple[Criterion | None, str]] = []
        self.missing_facts: list[str] = []
        self.would_qualify_if: list[dict[str, Any]] = []
        self.lane = policy.lane_default
        self.ceiling_note: dict[str, Any] | None = None
        # Why the answer is "cannot be determined" when the pack's rules could not be computed
        # for this profile (the reason itself goes to the log, not to the reader).
        self.error: Text | None = None

    @property
    def amount_fen(self) -> int | None:
        return None if self.amount is None else int(self.amount * 100)

    @property
    def max_amount_fen(self) -> int | None:
        """The policy's published upper bound, whether or not the amount could be computed."""
        top = self._bound.max_amount
        return None if top is None else int(top * 100)

    def to_dict(self, json_facts: dict[str, Any] | None = None) -> dict[str, Any]:
        """The answer as JSON-ready data. Parts that do not depend on the profile are built
        once per policy and date and shared: treat the result as read-only."""
        static = self._bound.static()
        facts = json_facts if json_facts is not None else {k: _json_value(v) for k, v in self._facts.items()}
        criteria = []
        for (criterion, outcome), head in zip(self.criteria, static["_criteria"], strict=False):
            if criterion is None:
                note = self.ceiling_note
                assert note is not None  # a ceiling row is written with its note
                criteria.append({**head, "result": outcome, "facts": {note["used_fact"]: note["used_cny"]}})
            else:
                criteria.append(
                    {
                        **head,
                        "result": outcome,
                        "facts": {f: facts.get(f) for f in criterion.facts},
                    }
                )
        labels = self._pack.facts
        return {
            **static["_head"],
            "status": self.status,
            "amount_cny": _json_amount(self.amount),
            "amount_fen": self.amount_fen,
            "max_amount_fen": self.max_amount_fen,
            "breakdown": [
                {"part": pid, "label": label.zh, "label_en": label.en, "amount_cny": _json_amount(v)}
                for pid, label, v in self.breakdown
            ],
            "ceiling": self.ceiling_note,
            "criteria": criteria,
            "missing_facts": [
                {"fact": f, "label": labels[f].label.zh, "label_en": labels[f].label.en}
                for f in self.missing_facts
            ],
            "would_qualify_if": self.would_qualify_if,
            "evaluation_error": self.error.zh if self.error else None,
            "evaluation_error_en": self.error.en if self.error else None,
            "lane": self.lane,
            **static["_tail"],
        }


def cny_text(value: Decimal | float | int) -> Text:
    """An amount of yuan as people write it, and in English.

    >>> cny_text(100_000), cny_text(Decimal("2000000000.00")), cny_text(3500)
    (Text(zh='10万元', en='¥100,000'), Text(zh='20亿元', en='¥2,000,000,000'), Text(zh='3,500元', en='¥3,500'))
    """
    amount = Decimal(str(value))
    if amount >= 100_000_000 and amount % 1_000_000 == 0:
        zh = f"{float(amount / 100_000_000):g}亿元"
    elif amount >= 10_000 and amount % 100 == 0:
        zh = f"{float(amount / 10_000):g}万元"
    else:
        zh = f"{amount:,.0f}元"
    return Text(zh, f"¥{amount:,.0f}")


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
        json_facts = {k: _json_value(v) for k, v in sorted(self.facts.items()) if k != TODAY}
        return {
            "as_of": self.as_of.isoformat(),
            "pack": {"id": self.pack.id, "version": self.pack.version},
            "facts": json_facts,
            "summary": {
                "eligible": sum(r.status == ELIGIBLE for r in self.results),
                "undetermined": sum(r.status == UNDETERMINED for r in self.results),
                "ineligible": sum(r.status == INELIGIBLE for r in self.results),
                "eligible_amount_cny": _json_amount(self.eligible_total()),
            },
            "results": [r.to_dict(json_facts) for r in self.sorted_results()],
        }


# --- Evaluation ------------------------------------------------------------------------------------


log = logging.getLogger(__name__)
CANNOT_DETERMINE = Text(
    "该政策的条件暂时无法计算,结果待定;请联系小镇服务团队核实。",
    "This benefit's rules cannot be computed for this profile right now, so it cannot be "
    "determined; ask the town's service team to check.",
)


class PolicyEvaluationError(Exception):
    """Raised instead of answering "cannot be determined" when errors are not contained (the
    boundary check a pack passes before import): names the policy and the reason."""

    def __init__(self, policy_id: str, reason: str) -> None:
        self.policy_id = policy_id
        self.reason = reason
        super().__init__(f"{policy_id}: {reason}")


def _error_reason(exc: Exception) -> str:
    return getattr(exc, "reason", None) or f"{type(exc).__name__}: {exc}"[:300]


def evaluate_policy(
    pack: Pack,
    bound: BoundPolicy,
    facts: dict[str, Any],
    params: dict[str, Any],
    as_of: dt.date,
    suggest: bool = True,
    contain_errors: bool = True,
) -> PolicyResult:
    """One policy's answer. An error computing it (a value out of the language's bounds, a
    stored version's type mistake) makes this policy "cannot be determined" with the reason
    logged; the other policies are answered as usual. ``contain_errors=False`` raises
    ``PolicyEvaluationError`` instead."""
    reason = bound.error
    if reason is None:
        try:
            return _evaluate_policy(pack, bound, facts, params, as_of, suggest)
        except Exception as exc:
            reason = _error_reason(exc)
    if not contain_errors:
        raise PolicyEvaluationError(bound.policy.id, reason)
    log.warning(
        "policy %s of pack %s %s cannot be evaluated: %s", bound.policy.id, pack.id, pack.version, reason
    )
    result = PolicyResult(pack, bound, params, facts)
    result.status = UNDETERMINED
    result.error = CANNOT_DETERMINE
    return result


def _evaluate_policy(
    pack: Pack,
    bound: BoundPolicy,
    facts: dict[str, Any],
    params: dict[str, Any],
    as_of: dt.date,
    suggest: bool,
) -> PolicyResult:
    policy = bound.policy
    result = PolicyResult(pack, bound, params, facts)
    status = ELIGIBLE
    outcomes = result.criteria
    missing = result.missing_facts
    for criterion, fn in bound.criteria:
        value = fn(facts, params)
        if value is UNKNOWN:
            outcomes.append((criterion, UNKNOWN_RESULT))
            if status == ELIGIBLE:
                status = UNDETERMINED
            missing.extend(f for f in criterion.facts if f not in facts and f not in missing)
        elif value:
            outcomes.append((criterion, PASS))
        else:
            outcomes.append((criterion, FAIL))
            status = INELIGIBLE
    remaining = None
    if bound.ceiling is not None:
        ceiling, total = bound.ceiling
        used = facts.get(ceiling.used_fact, UNKNOWN)
        used = Decimal(0) if used is UNKNOWN else Decimal(used)
        remaining = max(Decimal(0), total - used)
        result.ceiling_note = {
            "ceiling": ceiling.id,
            "label": ceiling.label.zh,
            "label_en": ceiling.label.en,
            "total_cny": _json_amount(total),
            "used_cny": _json_amount(used),
            "used_fact": ceiling.used_fact,
            "remaining_cny": _json_amount(remaining),
            "shared_by": list(ceiling.policies),
        }
        if remaining > 0:
            outcomes.append((None, PASS))
        else:
            outcomes.append((None, FAIL))
            status = INELIGIBLE
    result.status = status
    if bound.amount_fn is not None and status != INELIGIBLE:
        value = bound.amount_fn(facts, params)
        if value is UNKNOWN:
            assert policy.amount is not None  # amount_fn is compiled from it
            missing.extend(f for f in policy.amount.facts if f not in facts and f not in missing)
        else:
            amount = max(Decimal(0), Decimal(value)).quantize(CENT, ROUND_HALF_UP)
            if bound.max_amount is not None and amount > bound.max_amount:
                amount = bound.max_amount
            if remaining is not None and amount > remaining:
                amount = remaining.quantize(CENT, ROUND_HALF_UP)
            result.amount = amount
            if bound.splits:
                allotted = Decimal(0)
                last = len(bound.splits) - 1
                for i, (part, share) in enumerate(bound.splits):
                    # The last part takes the rounding remainder, so the parts always add up.
                    part_amount = (
                        amount - allotted if i == last else (amount * share).quantize(CENT, ROUND_HALF_UP)
                    )
                    allotted += part_amount
                    result.breakdown.append((part.id, part.label, part_amount))
    if bound.lane_fn is not None and bound.lane_fn(facts, params) is True:
        result.lane = "priority"
    if suggest and status == INELIGIBLE:
        result.would_qualify_if = suggestions(pack, bound, facts)
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
    bound = bound_policies(pack, as_of)
    if policies is not None:
        wanted = set(policies)
        bound = [b for b in bound if b.policy.id in wanted]
    if not suggest:
        return Evaluation(
            pack, as_of, facts, [evaluate_policy(pack, b, facts, params, as_of, False) for b in bound]
        )
    # A profile seen before on this date gets its suggestions back with one lookup.
    key = (as_of, frozenset(facts.items()))
    remembered = pack.profile_memo.get(key)
    results = [evaluate_policy(pack, b, facts, params, as_of, remembered is None) for b in bound]
    if remembered is None:
        if len(pack.profile_memo) > 50_000:
            pack.profile_memo.clear()
        pack.profile_memo[key] = {r.policy.id: r.would_qualify_if for r in results if r.would_qualify_if}
    else:
        for r in results:
            if r.status == INELIGIBLE:
                r.would_qualify_if = remembered.get(r.policy.id, [])
    return Evaluation(pack, as_of, facts, results)


# --- Would qualify if ------------------------------------------------------------------------------


def _static_candidates(
    pack: Pack, policy: Policy, fact: Fact, params: dict[str, Any]
) -> list[tuple[str, Any]]:
    """What values of ``fact`` could satisfy the criteria that read it, worked out once per
    policy and date: ("value", v) to set it, ("add", item) to add to a set, ("any",) for
    "at least one item"."""
    out: list[tuple[str, Any]] = []
    for criterion in policy.criteria:
        if fact.id not in criterion.facts:
            continue
        node = expr.bind_params(criterion.node, params)
        for op, other in expr.comparisons_with(node, fact.id):
            if op == "count" and fact.type == "set" and fact.values:
                out.append(("any", next(iter(fact.values))))
                continue
            if other[0] != "const" or other[1] is UNKNOWN:
                continue  # compared with another fact: no fixed value to propose
            value = other[1]
            if op == "==":
                out.append(("value", value))
            elif op == "!=" and fact.values:
                out.extend(("value", v) for v in fact.values if v != value)
            elif op == "in" and isinstance(value, tuple | frozenset | list):
                out.extend(("value", v) for v in value)
            elif op == "not in" and fact.values:
                out.extend(("value", v) for v in fact.values if v not in value)
            elif op in ("<=", ">="):
                out.append(("value", value))
            elif op in ("<", ">") and isinstance(value, int):
                out.append(("value", value - 1 if op == "<" else value + 1))
            elif op in ("contains", "contained_in", "intersects") and fact.type == "set":
                items = value if op == "intersects" else (value,)
                out.extend(("add", item) for item in items)
        if fact.type == "bool":
            out.extend([("value", True), ("value", False)])
    return list(dict.fromkeys(out))


def _candidates(static: list[tuple[str, Any]], current: Any) -> list[Any]:
    """The static candidates applied to the fact's current value, without no-op changes."""
    base = current if isinstance(current, frozenset) else frozenset()
    out: list[Any] = []
    for kind, value in static:
        if kind == "value":
            candidate = value
        elif kind == "any":
            # "has at least one": any item will do; the label says so without picking one.
            candidate = AnyItem(base | {value})
        elif value in base:
            continue
        else:
            candidate = base | {value}
        if candidate != current and candidate not in out:
            out.append(candidate)
    return out


class AnyItem(frozenset[Any]):
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


def suggestions(pack: Pack, bound: BoundPolicy, facts: dict[str, Any]) -> list[dict[str, Any]]:
    """The smallest sets of changes to facts a founder can change that make no criterion fail.

    Single changes first; pairs only when no single change is enough. Facts marked
    ``mutable: false`` (age, founding date) are never proposed. The answer depends only on
    the facts this policy reads, so it is remembered per policy and date on those values.
    """
    policy = bound.policy
    key = tuple(facts.get(f, UNKNOWN) for f in policy.facts)
    found = bound.memo.get(key)
    if found is not None:
        return found
    failing = [c for c, fn in bound.criteria if fn(facts, None) is False]
    found = []
    if failing and not any(all(not pack.facts[f].mutable for f in c.facts) for c in failing):
        mutable = [f for f in dict.fromkeys(f for c in failing for f in c.facts) if pack.facts[f].mutable]
        options = {f: _candidates(bound.candidates[f], facts.get(f, UNKNOWN)) for f in mutable}
        for f, values in options.items():
            for v in values:
                if bound.passes({**facts, f: v}):
                    found.append(_suggestion(pack, [(f, v)], facts))
                    break  # one value per fact: the first that works is the smallest step
        if not found and len(options) > 1:
            trials = 0
            for (f1, vs1), (f2, vs2) in itertools.combinations(options.items(), 2):
                for v1, v2 in itertools.product(vs1, vs2):
                    trials += 1
                    if trials > MAX_PAIR_TRIALS:
                        break
                    if bound.passes({**facts, f1: v1, f2: v2}):
                        found.append(_suggestion(pack, [(f1, v1), (f2, v2)], facts))
                        break
    if len(bound.memo) > 20_000:
        bound.memo.clear()
    bound.memo[key] = found
    return found
