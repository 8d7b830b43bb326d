"""Every table the platform exports, as CSV (with a BOM, so Excel reads UTF-8) or Excel."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.http import HttpResponse
from openpyxl import Workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_response(name: str, head: list[str], rows: list[list], fmt: str) -> HttpResponse:
    """``fmt`` is ``xlsx`` or anything else for CSV; Decimal cells become numbers in Excel."""
    if fmt == "xlsx":
        book = Workbook()
        book.active.title = name[:30]
        book.active.append(head)
        for row in rows:
            book.active.append([float(c) if isinstance(c, Decimal) else c for c in row])
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
        ext = "xlsx"
    else:
        text = io.StringIO()
        text.write("\ufeff")
        csv.writer(text).writerows([head, *rows])
        response = HttpResponse(text.getvalue(), content_type="text/csv; charset=utf-8")
        ext = "csv"
    response["Content-Disposition"] = f'attachment; filename="{name}.{ext}"'
    return response
