"""The expression language is bounded as a class, not for three examples: any expression that
parses and type-checks either gives a value within the bounds or raises ``EvaluationError``
(which the engine answers as "cannot be determined"), for any profile a founder can state."""

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from beiyang.policies.engine import expr, types
from beiyang.policies.engine.errors import EvaluationError, ExpressionError

FACTS = {
    "company.headcount": types.NUM,
    "company.founded_on": types.DATE,
    "company.sectors": types.COLL,
    "company.district": types.STR,
    "company.in_town": types.BOOL,
}
PROFILES = [
    {},
    {
        "company.headcount": 1_000_000,
        "company.founded_on": dt.date(1900, 1, 1),
        "company.sectors": frozenset({"llm", "robotics"}),
        "company.district": "闵行",
        "company.in_town": True,
        expr.TODAY: dt.date(2100, 12, 31),
    },
    {
        "company.headcount": 0,
        "company.founded_on": dt.date(2100, 12, 31),
        "company.sectors": frozenset(),
        "company.district": "外省市",
        "company.in_town": False,
        expr.TODAY: dt.date(2000, 1, 1),
    },
]

numbers = st.recursive(
    st.one_of(
        st.integers(-(10**15), 10**15).map(str),
        st.decimals(-1000, 1000, places=3).map(str),
        st.sampled_from(["company.headcount", "count(company.sectors)", "null"]),
        st.sampled_from(["1000000000000000", "99999999", "100000", "0.001", "0"]),  # the edges
    ),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        st.tuples(st.sampled_from(["min", "max", "coalesce"]), st.lists(inner, min_size=1, max_size=3)).map(
            lambda t: f"{t[0]}({', '.join(t[1])})"
        ),
        inner.map(lambda c: f"-{c}"),
    ),
    max_leaves=10,
)
dates = st.recursive(
    st.sampled_from(["today", "company.founded_on"]),
    lambda inner: st.one_of(
        st.tuples(inner, numbers).map(lambda t: f"add_years({t[0]}, {t[1]})"),
        st.tuples(st.sampled_from(["min", "max"]), inner, inner).map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
    ),
    max_leaves=4,
)
conditions = st.one_of(
    st.tuples(numbers, st.sampled_from(["<", ">=", "==", "!="]), numbers).map(
        lambda t: f"{t[0]} {t[1]} {t[2]}"
    ),
    st.tuples(dates, st.sampled_from(["<", ">=", "=="]), dates).map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
)
# Typed trees mostly pass the checker and reach evaluation; untyped ones test the checker.
untyped = st.recursive(
    st.sampled_from(["'llm'", "today", "true", "['llm', 'cv']", "1", *FACTS]),
    lambda inner: st.tuples(inner, st.sampled_from(["+", "*", "<", "and", "in", "=="]), inner).map(
        lambda t: f"({t[0]} {t[1]} {t[2]})"
    ),
    max_leaves=6,
)
expressions = st.one_of(
    numbers,
    dates,
    conditions,
    st.tuples(conditions, numbers, numbers).map(lambda t: f"if({t[0]}, {t[1]}, {t[2]})"),
    untyped,
)


def _within_bounds(value) -> bool:
    if value is expr.UNKNOWN or isinstance(value, bool | str | frozenset | tuple):
        return True
    if isinstance(value, int | Decimal):
        return abs(value) <= expr.MAX_MAGNITUDE
    if isinstance(value, dt.date):
        return expr.MIN_YEAR <= value.year <= expr.MAX_YEAR
    return False


@settings(max_examples=400, deadline=None)
@given(expressions)
def test_a_checked_expression_gives_a_bounded_value_or_an_evaluation_error(source):
    try:
        node = expr.parse(source)
        types.type_of(node, FACTS)
    except ExpressionError:
        return  # refused when the pack loads, with the reason
    fn = expr.compile_scalar(node)
    for facts in PROFILES:
        try:
            value = fn({expr.TODAY: dt.date(2026, 12, 1), **facts}, {})
        except EvaluationError:
            continue  # "cannot be determined" for this policy and profile
        assert _within_bounds(value), (source, facts, value)
