from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from beiyang.core.exports import table_response
from beiyang.core.tests.spreadsheets import FORMULA_STARTS, PAYLOADS, assert_inert, csv_cells, xlsx_cells


def test_every_formula_start_is_inert_in_both_formats():
    rows = [[i, text, Decimal("12.50")] for i, text in enumerate(PAYLOADS)]
    assert_inert(
        table_response("t", ["id", "text", "amount"], rows, "csv"),
        table_response("t", ["id", "text", "amount"], rows, "xlsx"),
        *PAYLOADS,
    )


def test_numbers_stay_numbers_and_plain_text_is_untouched():
    rows = [[7, -3, Decimal("-12.50"), "普通文本", "a=b", None]]
    assert csv_cells(table_response("t", ["a"] * 6, rows, "csv").content)[6:] == [
        "7",
        "-3",
        "-12.50",
        "普通文本",
        "a=b",
        "",
    ]
    cells = xlsx_cells(table_response("t", ["a"] * 6, rows, "xlsx").content)[6:]
    assert [c.value for c in cells[:5]] == [7, -3, -12.5, "普通文本", "a=b"]
    assert [c.data_type for c in cells[:3]] == ["n", "n", "n"]


@given(st.text(min_size=1, max_size=20))
def test_no_text_becomes_a_formula(text):
    cells = xlsx_cells(table_response("t", ["h"], [[text]], "xlsx").content)
    assert cells[1].data_type != "f"
    assert not csv_cells(table_response("t", ["h"], [[text]], "csv").content)[1].startswith(FORMULA_STARTS)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_header_is_text_too(fmt):
    response = table_response("t", ["=1+1"], [], fmt)
    if fmt == "xlsx":
        assert xlsx_cells(response.content)[0].data_type == "s"
    else:
        assert csv_cells(response.content) == ["'=1+1"]
