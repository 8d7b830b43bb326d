"""Static types for pack expressions, checked when a pack is loaded.

A criterion that compares a number with text, adds a date to a number or asks ``min(1, 'a')``
is refused with its reason on import, instead of failing for every founder at evaluation.
Types: ``bool``, ``num`` (int, money, Decimal), ``date``, ``str`` (enum, district, text),
``coll`` (a set fact, a list parameter or literal) and ``any`` (``null``, which fits anywhere).

>>> from beiyang.policies.engine import expr
>>> type_of(expr.parse("min(1, 'a')"), {})
Traceback (most recent call last):
...
beiyang.policies.engine.errors.ExpressionError: min() needs values of one type, not a number and text
>>> type_of(expr.parse("add_years(today, 2) > today"), {})
'bool'
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from beiyang.policies.engine.errors import ExpressionError
from beiyang.policies.engine.expr import TODAY, UNKNOWN

BOOL, NUM, DATE, STR, COLL, ANY = "bool", "num", "date", "str", "coll", "any"
SCALARS = {BOOL, NUM, DATE, STR}
FACT_TYPES = {"int": NUM, "money": NUM, "date": DATE, "bool": BOOL, "enum": STR, "district": STR, "set": COLL}
WORDS = {BOOL: "true/false", NUM: "a number", DATE: "a date", STR: "text", COLL: "a list", ANY: "null"}


def value_type(value: Any) -> str:
    """The type of a constant or a parameter's value."""
    if value is None or value is UNKNOWN:
        return ANY
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int | Decimal):
        return NUM
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return DATE
    if isinstance(value, str):
        return STR
    if isinstance(value, tuple | list | frozenset | set):
        return COLL
    raise ExpressionError(f"unsupported value {value!r}")


def _fits(got: str, *wanted: str) -> bool:
    return got == ANY or got in wanted


def _same(a: str, b: str) -> str | None:
    """The common type of two branches (``any`` fits either), or None when they differ."""
    if a == ANY:
        return b
    if b == ANY or a == b:
        return a
    return None


def type_of(node: tuple[Any, ...], names: dict[str, str]) -> str:
    """The type of an expression tree, given the type of each name it reads; raises
    ``ExpressionError`` naming the first misuse."""
    tag = node[0]
    if tag == "const":
        return value_type(node[1])
    if tag == "name":
        if node[1] == TODAY:
            return DATE
        return names.get(node[1], ANY)
    if tag == "list":
        for item in node[1]:
            if type_of(item, names) == COLL:
                raise ExpressionError("a list holds single values, not lists")
        return COLL
    if tag == "not":
        if not _fits(type_of(node[1], names), BOOL):
            raise ExpressionError("not needs true/false")
        return BOOL
    if tag == "neg":
        if not _fits(type_of(node[1], names), NUM):
            raise ExpressionError("a minus sign needs a number")
        return NUM
    if tag in ("and", "or"):
        for side in node[1:]:
            got = type_of(side, names)
            if not _fits(got, BOOL):
                raise ExpressionError(f"{tag} joins true/false conditions, not {WORDS[got]}")
        return BOOL
    if tag == "cmp":
        return _cmp_type(node[1], type_of(node[2], names), type_of(node[3], names))
    if tag == "arith":
        a, b = type_of(node[2], names), type_of(node[3], names)
        if not (_fits(a, NUM) and _fits(b, NUM)):
            raise ExpressionError(f"{node[1]} needs numbers, not {WORDS[a]} and {WORDS[b]}")
        return NUM
    if tag == "call":
        return _call_type(node[1], [type_of(a, names) for a in node[2]])
    raise ExpressionError(f"unknown node {tag}")


def _cmp_type(op: str, a: str, b: str) -> str:
    if op in ("in", "not in"):
        if a == COLL or not _fits(b, COLL):
            raise ExpressionError(f"{op} tests a single value against a list, not {WORDS[a]} in {WORDS[b]}")
        return BOOL
    if op in ("==", "!="):
        if _same(a, b) is None:
            raise ExpressionError(f"{op} compares {WORDS[a]} with {WORDS[b]}")
        return BOOL
    common = _same(a, b)
    if common is None or common not in (NUM, DATE, ANY):
        raise ExpressionError(f"{op} orders numbers or dates, not {WORDS[a]} and {WORDS[b]}")
    return BOOL


def _call_type(fn: str, args: list[str]) -> str:
    if fn == "count":
        if not _fits(args[0], COLL):
            raise ExpressionError(f"count() counts a list, not {WORDS[args[0]]}")
        return NUM
    if fn == "contains":
        if not _fits(args[0], COLL) or args[1] == COLL:
            raise ExpressionError("contains() takes a list and one value")
        return BOOL
    if fn == "intersects":
        if not (_fits(args[0], COLL) and _fits(args[1], COLL)):
            raise ExpressionError("intersects() takes two lists")
        return BOOL
    if fn in ("min", "max", "coalesce"):
        common = ANY
        for got in args:
            joined = _same(common, got)
            if joined is None:
                raise ExpressionError(
                    f"{fn}() needs values of one type, not {WORDS[common]} and {WORDS[got]}"
                )
            common = joined
        if fn != "coalesce" and common not in (NUM, DATE, ANY):
            raise ExpressionError(f"{fn}() needs numbers or dates, not {WORDS[common]}")
        return common
    if fn == "if":
        if not _fits(args[0], BOOL):
            raise ExpressionError(f"if() needs a true/false condition first, not {WORDS[args[0]]}")
        joined = _same(args[1], args[2])
        if joined is None:
            raise ExpressionError(f"if() gives {WORDS[args[1]]} or {WORDS[args[2]]}: give one type")
        return joined
    if fn == "add_years":
        if not (_fits(args[0], DATE) and _fits(args[1], NUM)):
            raise ExpressionError("add_years() takes a date and a number of years")
        return DATE
    raise ExpressionError(f"unknown function {fn}()")
