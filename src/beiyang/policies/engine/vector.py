"""Evaluating many profiles at once: columns of facts, numpy operations, the same
three-valued semantics as the scalar engine.

Every value is a pair ``(values, known)``; where ``known`` is False the value is a
placeholder and the answer is unknown. Used by ``beiyang benefits --batch`` and the
benchmark; it returns counts and totals, not per-profile explanations.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

from beiyang.core.identifiers import age_on
from beiyang.policies.engine.errors import ProfileError
from beiyang.policies.engine.expr import TODAY, add_years
from beiyang.policies.engine.pack import Fact, Pack
from beiyang.policies.engine.profile import ROOTS, parse_fact_value

Vec = tuple[Any, Any]  # (values, known): arrays, or scalars that broadcast


@dataclass
class BatchSummary:
    profiles: int
    policies: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"profiles": self.profiles, "policies": self.policies}


class Columns:
    """Fact columns for ``n`` profiles, plus caches of derived columns (``contains`` etc.)."""

    def __init__(self, n: int, as_of: dt.date) -> None:
        self.n = n
        self.as_of = as_of
        self.data: dict[str, Vec] = {}
        self.derived: dict[Any, Vec] = {}


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _column(fact: Fact, raw: list[Any], as_of: dt.date) -> Vec:
    """Validate and convert one fact's raw values, parsing each distinct value once."""
    n = len(raw)
    known = np.fromiter((v is not None for v in raw), dtype=bool, count=n)
    cache: dict[Any, Any] = {}
    parsed: list[Any] = []
    for i, value in enumerate(raw):
        if value is None:
            parsed.append(None)
            continue
        key = (type(value), _hashable(value))
        try:
            out = cache[key]
        except KeyError:
            try:
                out = parse_fact_value(fact, value, fact.id)
            except ProfileError as exc:
                raise ProfileError(
                    f"[{i}].{exc.field}", f"第{i + 1}条:{exc.message}", f"profile {i + 1}: {exc.message_en}"
                ) from None
            except TypeError:
                raise ProfileError(
                    f"[{i}].{fact.id}",
                    f"第{i + 1}条:取值类型错误",
                    f"profile {i + 1}: wrong type for {fact.id}",
                ) from None
            cache[key] = out
        parsed.append(out)
    t = fact.type
    if t in ("int", "money"):
        values = np.fromiter((float(v) if v is not None else 0.0 for v in parsed), dtype=np.float64, count=n)
    elif t == "date":
        values = np.fromiter((v.toordinal() if v is not None else 0 for v in parsed), dtype=np.int64, count=n)
    elif t == "bool":
        values = np.fromiter((bool(v) for v in parsed), dtype=bool, count=n)
    elif t == "set":
        values = np.empty(n, dtype=object)
        empty = frozenset()
        values[:] = [v if v is not None else empty for v in parsed]
    else:
        values = np.array([v if v is not None else "" for v in parsed], dtype=str)
    return values, known


def build_columns(pack: Pack, profiles: list[Any], as_of: dt.date) -> Columns:
    n = len(profiles)
    cols = Columns(n, as_of)
    sections: dict[str, list[dict]] = {}
    for root in ROOTS:
        rows = []
        for i, p in enumerate(profiles):
            if not isinstance(p, dict):
                raise ProfileError(
                    f"[{i}]", f"第{i + 1}条资料应为JSON对象", f"profile {i + 1} must be an object"
                )
            section = p.get(root) or {}
            if not isinstance(section, dict):
                raise ProfileError(
                    f"[{i}].{root}",
                    f"第{i + 1}条:{root} 应为对象",
                    f"profile {i + 1}: {root} must be an object",
                )
            rows.append(section)
        sections[root] = rows
    allowed = {
        root: {fid.split(".", 1)[1] for fid in pack.facts if fid.startswith(root + ".")} for root in ROOTS
    }
    for root, rows in sections.items():
        seen: set[str] = set()
        for row in rows:
            seen.update(row)
        unknown = seen - allowed[root]
        if unknown:
            name = sorted(unknown)[0]
            raise ProfileError(f"{root}.{name}", f"未知字段 {root}.{name}", f"Unknown field {root}.{name}")
    for fid, fact in pack.facts.items():
        root, key = fid.split(".", 1)
        raw = [row.get(key) for row in sections[root]]
        cols.data[fid] = _column(fact, raw, as_of)
    for fid, fact in pack.facts.items():
        if fact.derive_age_from:
            born, born_known = cols.data[fact.derive_age_from]
            if born_known.any():
                ages: dict[int, int] = {}
                derived = np.array(
                    [
                        ages.setdefault(o, age_on(dt.date.fromordinal(o), as_of)) if k else 0
                        for o, k in zip(born.tolist(), born_known.tolist(), strict=True)
                    ],
                    dtype=np.float64,
                )
                stated, stated_known = cols.data[fid]
                clash = born_known & stated_known & (stated != derived)
                if clash.any():
                    i = int(np.argmax(clash))
                    raise ProfileError(
                        f"[{i}].{fid}",
                        f"第{i + 1}条:{fact.label.zh}与出生日期不一致",
                        f"profile {i + 1}: {fact.label.en} does not match the date it derives from",
                    )
                cols.data[fid] = (np.where(born_known, derived, stated), born_known | stated_known)
        if fact.default is not None:
            values, known = cols.data[fid]
            if not known.all():
                cols.data[fid] = (np.where(known, values, float(fact.default)), np.ones(cols.n, dtype=bool))
    return cols


def _scalar(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, tuple):
        return tuple(_scalar(v) for v in value)
    return value


def _bool(x: Any, n: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(x, dtype=bool), (n,))


def vec_eval(node: tuple, cols: Columns, params: dict[str, Any]) -> Vec:
    tag = node[0]
    n = cols.n
    if tag == "const":
        from beiyang.policies.engine.expr import UNKNOWN

        return (0, False) if node[1] is UNKNOWN else (_scalar(node[1]), True)
    if tag == "name":
        path = node[1]
        if path.startswith("params."):
            value = params[path[7:]]
            return (_scalar(value), value is not None)
        if path == TODAY:
            return cols.as_of.toordinal(), True
        return cols.data[path]
    if tag == "not":
        v, k = vec_eval(node[1], cols, params)
        return np.logical_not(v), k
    if tag == "neg":
        v, k = vec_eval(node[1], cols, params)
        return np.negative(v), k
    if tag in ("and", "or"):
        av, ak = vec_eval(node[1], cols, params)
        bv, bk = vec_eval(node[2], cols, params)
        av, ak, bv, bk = _bool(av, n), _bool(ak, n), _bool(bv, n), _bool(bk, n)
        if tag == "and":
            false = (ak & ~av) | (bk & ~bv)
            true = ak & av & bk & bv
        else:
            true = (ak & av) | (bk & bv)
            false = ak & ~av & bk & ~bv
        return true, true | false
    if tag == "cmp":
        op = node[1]
        av, ak = vec_eval(node[2], cols, params)
        bv, bk = vec_eval(node[3], cols, params)
        known = np.logical_and(ak, bk)
        if op in ("in", "not in"):
            if isinstance(bv, tuple):
                hit = np.isin(av, list(bv)) if isinstance(av, np.ndarray) else (av in bv)
            else:
                hit = np.fromiter((av in s for s in bv), dtype=bool, count=n)
            return (np.logical_not(hit) if op == "not in" else hit), known
        fn = {
            "==": np.equal,
            "!=": np.not_equal,
            "<": np.less,
            "<=": np.less_equal,
            ">": np.greater,
            ">=": np.greater_equal,
        }[op]
        return fn(av, bv), known
    if tag == "arith":
        op = node[1]
        av, ak = vec_eval(node[2], cols, params)
        bv, bk = vec_eval(node[3], cols, params)
        known = np.logical_and(ak, bk)
        if op == "/":
            bv_arr = np.asarray(bv, dtype=np.float64)
            safe = bv_arr != 0
            return np.divide(av, np.where(safe, bv_arr, 1.0)), np.logical_and(known, safe)
        fn = {"+": np.add, "-": np.subtract, "*": np.multiply}[op]
        return fn(av, bv), known
    if tag == "call":
        return _vec_call(node, cols, params)
    if tag == "list":
        items = [vec_eval(i, cols, params) for i in node[1]]
        return tuple(v for v, _ in items), all(k is True for _, k in items)
    raise ValueError(f"unknown node {tag}")


def _vec_call(node: tuple, cols: Columns, params: dict[str, Any]) -> Vec:
    fn, args, n = node[1], node[2], cols.n
    if fn in ("contains", "count", "intersects"):
        key = (fn, args[0], args[1] if len(args) > 1 else None)
        cached = cols.derived.get(key)
        if cached is not None:
            return cached
        sets, known = vec_eval(args[0], cols, params)
        if fn == "count":
            out = (np.fromiter((len(s) for s in sets), dtype=np.float64, count=n), known)
        else:
            item, item_known = vec_eval(args[1], cols, params)
            if fn == "contains":
                values = np.fromiter((item in s for s in sets), dtype=bool, count=n)
            else:
                probe = frozenset(item)
                values = np.fromiter((not probe.isdisjoint(s) for s in sets), dtype=bool, count=n)
            out = (values, np.logical_and(known, item_known))
        cols.derived[key] = out
        return out
    evaluated = [vec_eval(a, cols, params) for a in args]
    if fn == "add_years":
        (dates, dates_known), (years, years_known) = evaluated
        years = int(years)
        shifted: dict[int, int] = {}
        values = np.fromiter(
            (
                shifted.setdefault(o, add_years(dt.date.fromordinal(o), years).toordinal()) if k else 0
                for o, k in zip(dates.tolist(), dates_known.tolist(), strict=True)
            ),
            dtype=np.int64,
            count=cols.n,
        )
        return values, np.logical_and(dates_known, years_known)
    if fn in ("min", "max"):
        reduce = np.minimum if fn == "min" else np.maximum
        values, known = evaluated[0]
        for v, k in evaluated[1:]:
            values, known = reduce(values, v), np.logical_and(known, k)
        return values, known
    if fn == "coalesce":
        values, known = evaluated[0]
        for v, k in evaluated[1:]:
            values, known = np.where(known, values, v), np.logical_or(known, k)
        return values, known
    if fn == "if":
        (cv, ck), (av, ak), (bv, bk) = evaluated
        return np.where(cv, av, bv), np.logical_and(ck, np.where(cv, ak, bk))
    raise ValueError(f"unknown function {fn}")


def evaluate_batch(pack: Pack, profiles: list[Any], as_of: dt.date) -> BatchSummary:
    cols = build_columns(pack, profiles, as_of)
    params = pack.params_at(as_of)
    n = cols.n
    summary = BatchSummary(profiles=n)
    for policy in pack.policies.values():
        if not policy.in_force(as_of):
            continue
        fail = np.zeros(n, dtype=bool)
        unknown = np.zeros(n, dtype=bool)
        for criterion in policy.criteria:
            v, k = vec_eval(criterion.node, cols, params)
            v, k = _bool(v, n), _bool(k, n)
            fail |= k & ~v
            unknown |= ~k
        remaining = None
        if policy.amount is not None and policy.amount.ceiling is not None:
            ceiling = pack.ceilings[policy.amount.ceiling]
            total = float(ceiling.fn({}, params))
            used, _ = cols.data[ceiling.used_fact]
            remaining = np.maximum(0.0, total - used)
            fail |= remaining <= 0
        eligible = ~fail & ~unknown
        counts = {
            "eligible": int(eligible.sum()),
            "undetermined": int((~fail & unknown).sum()),
            "ineligible": int(fail.sum()),
        }
        if policy.amount is not None and policy.amount.node is not None:
            amount, amount_known = vec_eval(policy.amount.node, cols, params)
            amount = np.broadcast_to(np.asarray(amount, dtype=np.float64), (n,))
            if remaining is not None:
                amount = np.minimum(amount, remaining)
            counted = eligible & _bool(amount_known, n)
            # Totals in integer fen: rounding happens once per profile, never on the sum.
            counts["eligible_amount_fen"] = int(
                np.rint(np.maximum(amount[counted], 0) * 100).astype(np.int64).sum()
            )
        summary.policies[policy.id] = counts
    return summary
