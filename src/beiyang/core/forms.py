"""Small helpers for pages: read posted values, parse dates, carry a DomainError to the template.

On the ground floor so that every app's views use them without importing ``web``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from beiyang.core.errors import DomainError, InvalidInput


def posted_date(value: str | None, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput("日期格式应为YYYY-MM-DD", "Dates are written YYYY-MM-DD", field=field) from None


def posted_time(value: str | None, field: str) -> dt.time | None:
    if not value:
        return None
    try:
        return dt.time.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput("时间格式应为HH:MM", "Times are written HH:MM", field=field) from None


def error_context(exc: DomainError) -> dict[str, Any]:
    return {"error": exc.localized(), "error_field": exc.field}


def bad_request(request: HttpRequest, error: DomainError) -> HttpResponse:
    """A page's answer to input it cannot use: 400, the message in both languages, the field."""
    return render(request, "web/bad_request.html", {"error": error}, status=400)
