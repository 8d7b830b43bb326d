import contextlib
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from beiyang.policies.engine.errors import ExpressionError
from beiyang.policies.engine.expr import UNKNOWN, compile_scalar, parse

tv = st.sampled_from([True, False, None])  # None stands for unknown


def _fact(v):
    return {} if v is None else {"company.x": v}


@given(tv, tv)
def test_kleene_logic(a, b):
    facts = {**({} if a is None else {"company.a": a}), **({} if b is None else {"company.b": b})}
    got_and = compile_scalar(parse("company.a and company.b"))(facts, {})
    got_or = compile_scalar(parse("company.a or company.b"))(facts, {})
    if a is False or b is False:
        assert got_and is False
    elif a is None or b is None:
        assert got_and is UNKNOWN
    else:
        assert got_and is True
    if a is True or b is True:
        assert got_or is True
    elif a is None or b is None:
        assert got_or is UNKNOWN
    else:
        assert got_or is False


@given(st.integers(-(10**6), 10**6), st.integers(-(10**6), 10**6))
def test_arithmetic_and_comparison_match_python(x, y):
    facts = {"company.x": x, "company.y": y}
    assert compile_scalar(parse("company.x + company.y * 2 - 1"))(facts, {}) == x + y * 2 - 1
    assert compile_scalar(parse("company.x <= company.y"))(facts, {}) is (x <= y)
    assert compile_scalar(parse("min(company.x, company.y, 7)"))(facts, {}) == min(x, y, 7)
    div = compile_scalar(parse("company.x / company.y"))(facts, {})
    assert div is UNKNOWN if y == 0 else div == Decimal(x) / Decimal(y)


@given(st.text(max_size=200))
def test_any_text_either_parses_or_raises_expression_error(text):
    with contextlib.suppress(ExpressionError):
        parse(text)


@pytest.mark.parametrize(
    "source",
    [
        "__import__('os').system('x')",
        "company.x.__class__",
        "(lambda: 1)()",
        "company.x[0]",
        "open('f')",
        "1 +",
        "'unterminated",
        "a ; b",
        "x if y else z",
    ],
)
def test_no_python_gets_through(source):
    with pytest.raises(ExpressionError):
        compile_scalar(parse(source))({}, {})


def test_bounds():
    with pytest.raises(ExpressionError, match="nested"):
        parse("(" * 60 + "1" + ")" * 60)
    with pytest.raises(ExpressionError, match="longer"):
        parse("1 + " * 600 + "1")
    with pytest.raises(ExpressionError, match="tokens"):
        parse(" + ".join(["1"] * 300))


def test_unknown_spreads_through_everything_but_coalesce():
    assert compile_scalar(parse("company.x + 1 > 3"))({}, {}) is UNKNOWN
    assert compile_scalar(parse("coalesce(company.x, 5)"))({}, {}) == 5
    assert compile_scalar(parse("contains(company.s, 'a')"))({}, {}) is UNKNOWN
    assert compile_scalar(parse("not company.b"))({}, {}) is UNKNOWN
    assert compile_scalar(parse("if(company.b, 1, 2)"))({"company.b": False}, {}) == 2


def test_dates_and_anniversaries():
    f = compile_scalar(parse("add_years(company.founded_on, 3) >= today"))
    assert f({"company.founded_on": dt.date(2023, 11, 29), "today": dt.date(2026, 11, 29)}, {}) is True
    assert f({"company.founded_on": dt.date(2023, 11, 28), "today": dt.date(2026, 11, 29)}, {}) is False
    assert f({"today": dt.date(2026, 11, 29)}, {}) is UNKNOWN
