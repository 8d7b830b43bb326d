"""Attendee lists as CSV and Excel, for event managers."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone

from beiyang.core.exports import table_response
from beiyang.events.models import Event, Registration
from beiyang.events.queries import event_registrations

HEADERS = [
    "报名编号 id",
    "状态 status",
    "姓名 name",
    "手机 phone",
    "企业 company",
    "报名时间 registered",
    "签到时间 checked in",
]


def attendee_row(r: Registration) -> dict:
    return {
        "registration_id": r.pk,
        "status": r.status,
        "name": r.user.name,
        "phone": r.user.phone,
        "company": r.company.name if r.company else None,
        "created_at": r.created_at,
        "checked_in_at": r.checked_in_at,
    }


def _cells(r: Registration) -> list:
    def local(value):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

    return [
        r.pk,
        r.get_status_display(),
        r.user.name,
        r.user.phone,
        r.company.name if r.company else "",
        local(r.created_at),
        local(r.checked_in_at),
    ]


def export_response(event: Event, fmt: str) -> HttpResponse:
    rows = [_cells(r) for r in event_registrations(event)]
    return table_response(f"event-{event.pk}-attendees", HEADERS, rows, "xlsx" if fmt == "xlsx" else "csv")
