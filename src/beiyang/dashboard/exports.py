from __future__ import annotations

import csv
import io

from django.http import HttpResponse
from openpyxl import Workbook


def table_response(name: str, head: list[str], rows: list[list], fmt: str) -> HttpResponse:
    if fmt == "xlsx":
        book = Workbook()
        book.active.title = name[:30]
        book.active.append(head)
        for row in rows:
            book.active.append([float(c) if hasattr(c, "as_tuple") else c for c in row])
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        buffer = io.StringIO()
        buffer.write("\ufeff")
        csv.writer(buffer).writerows([head, *rows])
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{"xlsx" if fmt == "xlsx" else "csv"}"'
    return response


def kpi_rows(kpis: list[dict]) -> tuple[list[str], list[list]]:
    head = [
        "指标 kpi",
        "名称 label",
        "当前值 value",
        "2027目标 target",
        "单位 unit",
        "截至 as of",
        "来源 source",
    ]
    return head, [
        [
            k["kpi"],
            k["label"],
            k["value"],
            k["target"],
            k["unit"],
            k["as_of"].isoformat() if k["as_of"] else "",
            k["source"],
        ]
        for k in kpis
    ]
