"""Every policy of a pack evaluated over boundary profiles before the pack may be imported or
published: no fact known, each fact alone at its extremes (the lowest and highest number a
profile may give, the first and last date, every enum value and district, empty and full sets),
all facts at their lows, all at their highs, on the first and last dates an evaluation may ask
for and on each policy's own start and end. A rule that cannot be computed for one of these
(``add_years(today, 100000)``, a product beyond the language's bounds) is refused with the
policy, the date and the profile, instead of answering "cannot be determined" to founders.

>>> from beiyang.policies.engine.pack import load_pack_dir
>>> from pathlib import Path
>>> pack = load_pack_dir(Path(__file__).parents[1] / "packs" / "beiyang")
>>> check_boundaries(pack)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from beiyang.core.identifiers import SHANGHAI_DISTRICTS, age_on
from beiyang.policies.engine import expr
from beiyang.policies.engine.errors import PackError
from beiyang.policies.engine.evaluate import PolicyEvaluationError, bound_policies, evaluate_policy
from beiyang.policies.engine.pack import Fact, Pack

LARGEST_MONEY = 10**12  # the most a profile may state (profile.parse_fact_value)


def _extremes(fact: Fact, as_of: dt.date) -> list[Any]:
    """The values of one fact a profile can reach that are most likely to break a rule."""
    t = fact.type
    if t in ("int", "money"):
        low = fact.minimum if fact.minimum is not None else (0 if t == "money" else -expr.MAX_MAGNITUDE)
        high = (
            fact.maximum
            if fact.maximum is not None
            else (LARGEST_MONEY if t == "money" else expr.MAX_MAGNITUDE)
        )
        return list(dict.fromkeys(v for v in (low, 0, 1, high) if low <= v <= high))
    if t == "date":
        return [dt.date(expr.MIN_YEAR, 1, 1), as_of, dt.date(expr.LATEST_DATE.year, 12, 31)]
    if t == "bool":
        return [False, True]
    if t == "enum":
        return list(fact.values)
    if t == "district":
        return [*SHANGHAI_DISTRICTS, "外省市"]
    if t == "set":
        return [frozenset(), frozenset(fact.values), *(frozenset({v}) for v in fact.values)]
    return []


def boundary_profiles(pack: Pack, as_of: dt.date) -> list[dict[str, Any]]:
    """Flat fact dictionaries (as ``profile_facts`` makes them) at the pack's boundaries."""
    values = {fid: _extremes(fact, as_of) for fid, fact in pack.facts.items()}
    profiles: list[dict[str, Any]] = [{}]
    for fid, options in values.items():
        profiles.extend({fid: v} for v in options)
    profiles.append({fid: options[0] for fid, options in values.items() if options})
    profiles.append({fid: options[-1] for fid, options in values.items() if options})
    out = []
    for facts in profiles:
        facts = {k: v for k, v in facts.items() if not (isinstance(v, dt.date) and v > as_of)}
        for fact in pack.facts.values():
            # A derived age follows its date, as in a real profile.
            if fact.derive_age_from and fact.derive_age_from in facts:
                facts[fact.id] = age_on(facts[fact.derive_age_from], as_of)
        out.append({**facts, expr.TODAY: as_of})
    return out


def boundary_dates(pack: Pack) -> list[dt.date]:
    dates = {expr.EARLIEST_DATE, expr.LATEST_DATE, pack.effective_from}
    for policy in pack.policies.values():
        dates.add(policy.effective_from)
        if policy.effective_to is not None:
            dates.add(policy.effective_to)
    return sorted(d for d in dates if expr.EARLIEST_DATE <= d <= expr.LATEST_DATE)


def check_boundaries(pack: Pack) -> None:
    """Raise ``PackError`` naming the first policy, date and profile a rule cannot be computed for."""
    for as_of in boundary_dates(pack):
        params = pack.params_at(as_of)
        bound = bound_policies(pack, as_of)
        for facts in boundary_profiles(pack, as_of):
            for policy in bound:
                try:
                    evaluate_policy(pack, policy, facts, params, as_of, contain_errors=False).to_dict()
                except PolicyEvaluationError as exc:
                    reason = exc.reason
                except Exception as exc:
                    reason = f"{type(exc).__name__}: {exc}"[:300]
                else:
                    continue
                shown = {k: expr_value(v) for k, v in facts.items() if k != expr.TODAY}
                raise PackError(
                    f"policy {policy.policy.id} cannot be evaluated on {as_of} for the profile "
                    f"{shown or '{}'}: {reason}",
                    f"policies/{policy.policy.id}.yaml",
                )


def expr_value(value: Any) -> Any:
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
