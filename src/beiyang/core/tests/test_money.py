import contextlib
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from beiyang.core.errors import InvalidInput
from beiyang.core.money import fen_to_yuan, format_cny_short, yuan_to_fen


@given(st.integers(-(10**14), 10**14))
def test_fen_round_trip(fen):
    assert yuan_to_fen(fen_to_yuan(fen)) == fen


def test_floats_are_read_through_their_text_not_their_binary_value():
    assert yuan_to_fen(0.1) + yuan_to_fen(0.2) == yuan_to_fen("0.3") == 30


@pytest.mark.parametrize("bad", ["abc", "1.234", "NaN", "Infinity", "1e20", True, None, [], "1,2,3a"])
def test_bad_amounts(bad):
    with pytest.raises(InvalidInput):
        yuan_to_fen(bad)


def test_short_form():
    assert format_cny_short(2_000_000_000_00) == "20亿元"
    assert format_cny_short(100_000_00) == "10万元"
    assert format_cny_short(1234_56) == "1234.56元"
    assert fen_to_yuan(5) == Decimal("0.05")


@pytest.mark.parametrize(
    "bad",
    [
        "111111111111111111111111111.001",  # more digits than Decimal's 28: quantize fails
        "1" * 40 + ".5",
        "-" + "9" * 30 + ".01",
        "1e30",
        "0." + "1" * 40,
    ],
)
def test_amounts_beyond_decimal_precision_are_refused_not_crashed(bad):
    with pytest.raises(InvalidInput) as err:
        yuan_to_fen(bad)
    assert err.value.code == "invalid_amount"


@given(st.decimals(allow_nan=True, allow_infinity=True) | st.text(max_size=60))
def test_any_amount_is_a_number_or_invalid_input(value):
    with contextlib.suppress(InvalidInput):
        yuan_to_fen(value)
