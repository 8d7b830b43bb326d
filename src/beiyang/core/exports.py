"""Every table the platform exports, as CSV (with a BOM, so Excel reads UTF-8) or Excel.

Cells hold what founders and providers typed (names, company names, invoice numbers), and a
spreadsheet program runs text that starts like a formula (OWASP "CSV injection"): a founder
named ``=HYPERLINK(…)`` would become a live link beside other founders' phone numbers. So CSV
text cells starting with ``= + - @``, a tab or a carriage return get a leading ``'``, and Excel
cells are written as strings, never formulas.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """Text a spreadsheet would read as a formula, quoted with ``'``; everything else as is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _xlsx_rows(sheet: Any, rows: list[list[Any]]) -> None:
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if isinstance(value, Decimal):
                value = float(value)
            if isinstance(value, str):
                # Control characters are not allowed in the file format at all.
                cell = sheet.cell(row=r, column=c, value=ILLEGAL_CHARACTERS_RE.sub("", value))
                cell.data_type = "s"  # openpyxl would store "=…" as a formula
            else:
                sheet.cell(row=r, column=c, value=value)


def table_response(name: str, head: list[str], rows: list[list[Any]], fmt: str) -> HttpResponse:
    """``fmt`` is ``xlsx`` or anything else for CSV; Decimal cells become numbers in Excel."""
    if fmt == "xlsx":
        book = Workbook()
        book.active.title = name[:30]
        _xlsx_rows(book.active, [head, *rows])
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
        ext = "xlsx"
    else:
        text = io.StringIO()
        text.write("\ufeff")
        csv.writer(text).writerows([csv_cell(c) for c in row] for row in [head, *rows])
        response = HttpResponse(text.getvalue(), content_type="text/csv; charset=utf-8")
        ext = "csv"
    response["Content-Disposition"] = f'attachment; filename="{name}.{ext}"'
    return response
