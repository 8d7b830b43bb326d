"""Running a pack's YAML test cases. Each case gives a profile, a date, and per policy the
expected ``status`` and optionally ``amount_cny``, ``max_cny`` (the published upper bound,
known even when the amount is not), ``breakdown``, ``lane``, ``failed``
(criteria that fail), ``missing_facts`` and ``would_qualify_if`` (facts a suggestion
changes; ``[]`` means no suggestion is possible). ``not_in_force`` means the policy is not
offered on that date. ``expect_total_cny`` checks the total a company can get."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from beiyang.policies.engine.errors import ProfileError
from beiyang.policies.engine.evaluate import evaluate
from beiyang.policies.engine.pack import Pack


def run_case(pack: Pack, case: dict[str, Any]) -> list[str]:
    """The differences between what a case expects and what the engine answers."""
    as_of = case.get("as_of") or pack.effective_from
    if isinstance(as_of, str):
        as_of = dt.date.fromisoformat(as_of)
    try:
        evaluation = evaluate(pack, case["profile"], as_of)
    except ProfileError as exc:
        return [f"profile: {exc}"]
    results = {r.policy.id: r for r in evaluation.results}
    problems: list[str] = []
    for pid, want in case["expect"].items():
        got = results.get(pid)
        if want.get("status") == "not_in_force":
            if got is not None:
                problems.append(f"{pid}: expected not in force on {as_of}, but it was evaluated")
            continue
        if got is None:
            problems.append(f"{pid}: not in force on {as_of}")
            continue
        data = got.to_dict()
        if "status" in want and data["status"] != want["status"]:
            problems.append(f"{pid}: status {data['status']}, expected {want['status']}")
        if "amount_cny" in want:
            expected = want["amount_cny"]
            if (expected is None) != (got.amount is None) or (
                expected is not None and got.amount != Decimal(str(expected))
            ):
                problems.append(f"{pid}: amount {data['amount_cny']}, expected {expected}")
        if "max_cny" in want and data.get("max_amount_cny") != want["max_cny"]:
            problems.append(f"{pid}: maximum {data.get('max_amount_cny')}, expected {want['max_cny']}")
        if "breakdown" in want:
            parts = {b["part"]: b["amount_cny"] for b in data["breakdown"]}
            for part, amount in want["breakdown"].items():
                if parts.get(part) != amount:
                    problems.append(f"{pid}: {part} share {parts.get(part)}, expected {amount}")
        if "lane" in want and data["lane"] != want["lane"]:
            problems.append(f"{pid}: lane {data['lane']}, expected {want['lane']}")
        if "failed" in want:
            failed = sorted(c["id"] for c in data["criteria"] if c["result"] == "fail")
            if failed != sorted(want["failed"]):
                problems.append(f"{pid}: failed criteria {failed}, expected {sorted(want['failed'])}")
        if "missing_facts" in want:
            missing = sorted(m["fact"] for m in data["missing_facts"])
            if missing != sorted(want["missing_facts"]):
                problems.append(f"{pid}: missing facts {missing}, expected {sorted(want['missing_facts'])}")
        if "would_qualify_if" in want:
            changed = sorted({c["fact"] for s in data["would_qualify_if"] for c in s["changes"]})
            if changed != sorted(want["would_qualify_if"]):
                problems.append(
                    f"{pid}: suggestions change {changed}, expected {sorted(want['would_qualify_if'])}"
                )
    if "expect_total_cny" in case and evaluation.eligible_total() != Decimal(str(case["expect_total_cny"])):
        problems.append(f"total {evaluation.eligible_total()}, expected {case['expect_total_cny']}")
    return problems


def run_pack_tests(pack: Pack) -> dict[str, list[str]]:
    """``{"file:line name": [problems]}`` for every case that does not pass."""
    failures = {}
    for case in pack.tests:
        problems = run_case(pack, case)
        if problems:
            failures[f"{case['file']}:{case['line']} {case.get('name', '')}"] = problems
    return failures
