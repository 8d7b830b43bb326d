"""Evaluating many profiles at once: columns of facts, numpy operations, the same
three-valued semantics as the scalar engine.

Every value is a pair ``(values, known)``; where ``known`` is False the value is a
placeholder and the answer is unknown. Each column is stored as codes into its distinct
values, so the Python work grows with the number of distinct values, not with rows. Used by
``beiyang benefits --batch`` and the benchmark; it returns counts and totals, not
per-profile explanations.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import keyword
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import repeat
from operator import attrgetter
from typing import Any

import numpy as np

from beiyang.core.identifiers import age_on
from beiyang.policies.engine.errors import ProfileError
from beiyang.policies.engine.expr import TODAY, UNKNOWN, add_years
from beiyang.policies.engine.pack import Fact, Pack, Policy
from beiyang.policies.engine.profile import ROOTS, parse_fact_value

Vec = tuple[Any, Any]  # (values, known): arrays, or scalars that broadcast
_NUMERIC = {"int", "money"}


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


class SetColumn:
    """A column of sets, stored as codes into its distinct sets: functions of a set
    (``contains``, ``count``) are computed once per distinct set, then spread by code."""

    __slots__ = ("codes", "uniques")

    def __init__(self, codes: np.ndarray, uniques: list[frozenset[Any]]) -> None:
        self.codes = codes
        self.uniques = uniques

    def map(self, fn: Callable[[frozenset[Any]], Any], dtype: Any) -> np.ndarray:
        return np.fromiter(  # type: ignore[no-any-return]
            (fn(u) for u in self.uniques), dtype=dtype, count=len(self.uniques)
        )[self.codes]


def _row_error(i: int, field_name: str, zh: str, en: str) -> ProfileError:
    return ProfileError(f"[{i}].{field_name}", f"第{i + 1}条:{zh}", f"profile {i + 1}: {en}")


def _is_hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _column(fact: Fact, raw: list[Any]) -> Vec:
    """Validate and convert one fact's raw values, parsing each distinct value once."""
    n = len(raw)
    if fact.type in _NUMERIC or fact.type == "bool":
        # True == 1 as a dict key, so booleans among numbers (or numbers among booleans) are caught first.
        types = set(map(type, raw))
        if fact.type in _NUMERIC and bool in types:
            i = next(i for i, v in enumerate(raw) if type(v) is bool)
            raise _row_error(i, fact.id, f"{fact.label.zh}应为数字", f"{fact.id} must be a number")
        if fact.type == "bool" and types - {bool, type(None)}:
            i = next(i for i, v in enumerate(raw) if v is not None and type(v) is not bool)
            raise _row_error(
                i, fact.id, f"{fact.label.zh}应为 true 或 false", f"{fact.id} must be true or false"
            )
    if fact.type == "set":
        try:
            raw = list(map(tuple, raw))
        except TypeError:  # unknown (None) among the lists, or a value that is no list at all
            raw = [tuple(v) if type(v) is list else v for v in raw]
    try:
        distinct = list(dict.fromkeys(raw))
    except TypeError:
        i = next(i for i, v in enumerate(raw) if not _is_hashable(v))
        raise _row_error(i, fact.id, f"{fact.label.zh}取值类型错误", f"wrong type for {fact.id}") from None
    if distinct == [None]:
        # Nobody gave this fact: all unknown, nothing to parse.
        placeholder = (
            SetColumn(np.zeros(n, dtype=np.int64), [frozenset()]) if fact.type == "set" else np.zeros(n)
        )
        return placeholder, np.zeros(n, dtype=bool)
    lookup = dict(zip(distinct, range(len(distinct)), strict=True))
    codes = np.fromiter(map(lookup.__getitem__, raw), dtype=np.int64, count=n)
    if fact.type == "date":
        fast = _iso_dates(distinct)
        if fast is not None:
            return fast[0][codes], fast[1][codes]
    parsed: list[Any] = []
    for code, value in enumerate(distinct):
        try:
            parsed.append(parse_fact_value(fact, list(value) if type(value) is tuple else value, fact.id))
        except ProfileError as exc:
            i = int(np.argmax(codes == code))
            raise _row_error(i, exc.field, exc.message, exc.message_en) from None
    known = np.array([v is not None for v in parsed], dtype=bool)[codes]
    t = fact.type
    values: np.ndarray
    if t in _NUMERIC:
        values = np.array([float(v) if v is not None else 0.0 for v in parsed], dtype=np.float64)[codes]
    elif t == "date":
        values = np.array([v.toordinal() if v is not None else 0 for v in parsed], dtype=np.int64)[codes]
    elif t == "bool":
        values = np.array([bool(v) for v in parsed], dtype=bool)[codes]
    elif t == "set":
        return SetColumn(codes, [v if v is not None else frozenset() for v in parsed]), known
    else:
        values = np.array([v if v is not None else "" for v in parsed], dtype=str)[codes]
    return values, known


_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def _iso_dates(distinct: list[Any]) -> tuple[np.ndarray, np.ndarray] | None:
    """Ordinals of distinct YYYY-MM-DD strings parsed by numpy in C; None when any value
    is not a plain, valid date string, so that the careful parser can name the bad one."""
    if not all(
        v is None or (type(v) is str and len(v) == 10 and v[4] == "-" and v[7] == "-") for v in distinct
    ):
        return None
    try:
        days = np.array([v if v is not None else "NaT" for v in distinct], dtype="datetime64[D]")
    except ValueError:
        return None
    known = ~np.isnat(days)
    ordinals = np.where(known, days.astype(np.int64), 0) + np.where(known, _EPOCH_ORDINAL, 0)
    return ordinals, known


def _by_distinct(ordinals: np.ndarray, fn: Callable[[int], int]) -> np.ndarray:
    """Apply a per-date Python function once per distinct date."""
    uniques, inverse = np.unique(ordinals, return_inverse=True)
    return np.fromiter((fn(int(o)) for o in uniques), dtype=np.int64, count=len(uniques))[inverse]


def _sections(pack: Pack, profiles: list[Any]) -> tuple[dict[str, list[dict[Any, Any]]], set[str]]:
    """Each profile's founder and company parts, checked, and the fact ids anyone gave."""
    if set(map(type, profiles)) - {dict}:
        i = next(i for i, p in enumerate(profiles) if type(p) is not dict)
        raise ProfileError(f"[{i}]", f"第{i + 1}条资料应为JSON对象", f"profile {i + 1} must be an object")
    extra = set().union(*profiles) - {*ROOTS, "as_of"}
    if extra:
        name = sorted(map(str, extra))[0]
        raise ProfileError(name, f"未知字段 {name}", f"Unknown field {name}")
    empty: dict[Any, Any] = {}
    sections: dict[str, list[dict[Any, Any]]] = {}
    present: set[str] = set()
    for root in ROOTS:
        rows: list[Any] = list(map(dict.get, profiles, repeat(root)))
        kinds = set(map(type, rows))
        if type(None) in kinds:
            rows = [r if r is not None else empty for r in rows]
        if kinds - {dict, type(None)}:
            i = next(i for i, r in enumerate(rows) if type(r) is not dict)
            raise _row_error(i, root, f"{root} 应为对象", f"{root} must be an object")
        allowed = {fid.split(".", 1)[1] for fid in pack.facts if fid.startswith(root + ".")}
        keys = set().union(*rows)
        present.update(f"{root}.{k}" for k in keys)
        unknown = keys - allowed
        if unknown:
            name = sorted(map(str, unknown))[0]
            raise ProfileError(f"{root}.{name}", f"未知字段 {root}.{name}", f"Unknown field {root}.{name}")
        sections[root] = rows
    return sections, present


def build_columns(pack: Pack, profiles: list[Any], as_of: dt.date) -> Columns:
    sections, present = _sections(pack, profiles)
    n = len(profiles)

    def raw(fid: str) -> list[Any]:
        root, key = fid.split(".", 1)
        return list(map(dict.get, sections[root], repeat(key))) if fid in present else [None] * n

    return _columns(pack, n, raw, as_of)


# --- JSON lines straight into rows ------------------------------------------------------------------
# Decoding JSON into dicts was the largest part of a batch; msgspec decodes each line into a
# row type made from the pack's facts instead (about a third of the time, and a column is then
# one attribute read per row). Its fields take any JSON value: the checks and messages stay
# those of ``_column``. Anything it refuses (an unknown field, a line that is no object, JSON
# it reads differently) makes ``decode_rows`` answer None, and the caller takes the careful
# path through dicts, which names the line or field at fault.


@functools.cache
def _row_types(fact_ids: tuple[str, ...]) -> tuple[Any, dict[str, Any]] | None:
    """The decoder of a list of rows and each section's row type, or None for facts whose
    names cannot be fields."""
    import msgspec

    sections = []
    types = {}
    for root in ROOTS:
        keys = [fid.split(".", 1)[1] for fid in fact_ids if fid.startswith(root + ".")]
        if not all(k.isidentifier() and not keyword.iskeyword(k) for k in keys):
            return None
        section = msgspec.defstruct(
            f"{root}_row", [(k, Any, None) for k in keys], forbid_unknown_fields=True, omit_defaults=True
        )
        # ``"company": null`` is read as no company facts, as ``_sections`` reads it.
        sections.append((root, section | None, msgspec.field(default_factory=section)))
        types[root] = section
    row: Any = msgspec.defstruct("profile_row", [*sections, ("as_of", Any, None)], forbid_unknown_fields=True)
    return msgspec.json.Decoder(list[row]), types


def decode_rows(pack: Pack, lines: list[bytes]) -> list[Any] | None:
    """Rows of JSON lines (one profile object a line, blank lines dropped), or None when they
    are not plainly that."""
    types = _row_types(tuple(pack.facts))
    if types is None:
        return None
    import msgspec

    decoder = types[0]

    enabled = gc.isenabled()
    gc.disable()
    try:
        rows = decoder.decode(b"[" + b",".join(lines) + b"]")
    except msgspec.DecodeError:  # ValidationError included
        return None
    finally:
        if enabled:
            gc.enable()
    return list(rows)


def evaluate_rows(pack: Pack, rows: list[Any], as_of: dt.date) -> BatchSummary:
    """``evaluate_batch`` for rows from ``decode_rows``."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        sections = {root: list(map(attrgetter(root), rows)) for root in ROOTS}
        for root, column in sections.items():
            if None in column:
                types = _row_types(tuple(pack.facts))
                assert types is not None  # the rows were decoded with them
                empty = types[1][root]()
                sections[root] = [r if r is not None else empty for r in column]

        def raw(fid: str) -> list[Any]:
            root, key = fid.split(".", 1)
            return list(map(attrgetter(key), sections[root]))

        return _evaluate_columns(pack, _columns(pack, len(rows), raw, as_of), as_of)
    finally:
        if enabled:
            gc.enable()


def _columns(pack: Pack, n: int, raw: Any, as_of: dt.date) -> Columns:
    cols = Columns(n, as_of)
    for fid, fact in pack.facts.items():
        cols.data[fid] = _column(fact, raw(fid))
    today = as_of.toordinal()
    for fid, fact in pack.facts.items():
        if fact.derive_age_from:
            born, born_known = cols.data[fact.derive_age_from]
            if born_known.any():
                late = born_known & (born > today)
                if late.any():
                    i = int(np.argmax(late))
                    raise _row_error(
                        i, fact.derive_age_from, "日期晚于评估日期", "the date is after the evaluation date"
                    )
                derived = _by_distinct(
                    np.where(born_known, born, today), lambda o: age_on(dt.date.fromordinal(o), as_of)
                ).astype(np.float64)
                stated, stated_known = cols.data[fid]
                clash = born_known & stated_known & (stated != derived)
                if clash.any():
                    i = int(np.argmax(clash))
                    raise _row_error(
                        i,
                        fid,
                        f"{fact.label.zh}与出生日期不一致",
                        f"{fact.label.en} does not match the date it derives from",
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


def vec_eval(node: tuple[Any, ...], cols: Columns, params: dict[str, Any]) -> Vec:
    tag = node[0]
    n = cols.n
    if tag == "const":
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
                hit = bv.map(lambda u: av in u, bool)
            return (np.logical_not(hit) if op == "not in" else hit), known
        compare: Any = {
            "==": np.equal,
            "!=": np.not_equal,
            "<": np.less,
            "<=": np.less_equal,
            ">": np.greater,
            ">=": np.greater_equal,
        }[op]
        return compare(av, bv), known
    if tag == "arith":
        op = node[1]
        av, ak = vec_eval(node[2], cols, params)
        bv, bk = vec_eval(node[3], cols, params)
        known = np.logical_and(ak, bk)
        if op == "/":
            bv_arr = np.asarray(bv, dtype=np.float64)
            safe = bv_arr != 0
            return np.divide(av, np.where(safe, bv_arr, 1.0)), np.logical_and(known, safe)
        arith: Any = {"+": np.add, "-": np.subtract, "*": np.multiply}[op]
        return arith(av, bv), known
    if tag == "call":
        return _vec_call(node, cols, params)
    if tag == "list":
        items = [vec_eval(i, cols, params) for i in node[1]]
        return tuple(v for v, _ in items), all(k is True for _, k in items)
    raise ValueError(f"unknown node {tag}")


def _vec_call(node: tuple[Any, ...], cols: Columns, params: dict[str, Any]) -> Vec:
    fn, args = node[1], node[2]
    if fn in ("contains", "count", "intersects"):
        key = (fn, args[0], args[1] if len(args) > 1 else None)
        cached = cols.derived.get(key)
        if cached is not None:
            return cached
        sets, known = vec_eval(args[0], cols, params)
        if fn == "count":
            out = (sets.map(len, np.float64), known)
        else:
            item, item_known = vec_eval(args[1], cols, params)
            if fn == "contains":
                values = sets.map(lambda u: item in u, bool)
            else:
                probe = frozenset(item)
                values = sets.map(lambda u: not probe.isdisjoint(u), bool)
            out = (values, np.logical_and(known, item_known))
        cols.derived[key] = out
        return out
    evaluated = [vec_eval(a, cols, params) for a in args]
    if fn == "add_years":
        (dates, dates_known), (years, _years_known) = evaluated
        years = int(years)
        safe = np.where(dates_known, dates, cols.as_of.toordinal())
        values = _by_distinct(safe, lambda o: add_years(dt.date.fromordinal(o), years).toordinal())
        return values, np.logical_and(dates_known, _years_known)
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
    """Counts per policy (eligible, undetermined, ineligible) and eligible totals in fen.

    The cyclic garbage collector is paused meanwhile: building columns allocates hundreds
    of thousands of short-lived objects and no cycles, and each full collection would walk
    every profile the caller holds.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _evaluate_batch(pack, profiles, as_of)
    finally:
        if enabled:
            gc.enable()


def _evaluate_batch(pack: Pack, profiles: list[Any], as_of: dt.date) -> BatchSummary:
    return _evaluate_columns(pack, build_columns(pack, profiles, as_of), as_of)


def _evaluate_columns(pack: Pack, cols: Columns, as_of: dt.date) -> BatchSummary:
    params = pack.params_at(as_of)
    n = cols.n
    summary = BatchSummary(profiles=n)
    for policy in pack.policies.values():
        if not policy.in_force(as_of):
            continue
        try:
            summary.policies[policy.id] = _policy_counts(pack, policy, cols, params)
        except Exception:
            # As in the scalar engine: a rule that cannot be computed (a stored version's type
            # mistake, a date beyond the language's years) leaves that policy undetermined for
            # every profile, and the other policies are counted as usual.
            summary.policies[policy.id] = {"eligible": 0, "undetermined": n, "ineligible": 0, "errors": n}
    return summary


def _policy_counts(pack: Pack, policy: Policy, cols: Columns, params: dict[str, Any]) -> dict[str, int]:
    n = cols.n
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
        if policy.amount.max_fn is not None:
            amount = np.minimum(amount, float(policy.amount.max_fn({}, params)))
        if remaining is not None:
            amount = np.minimum(amount, remaining)
        counted = eligible & _bool(amount_known, n)
        # Totals in integer fen: rounding happens once per profile, never on the sum.
        counts["eligible_amount_fen"] = int(
            np.rint(np.maximum(amount[counted], 0) * 100).astype(np.int64).sum()
        )
    return counts
