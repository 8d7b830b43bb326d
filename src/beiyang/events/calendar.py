"""iCalendar (RFC 5545) files: one per event, and a personal feed per founder."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone

from beiyang.events.models import Event


def _escape(text: str) -> str:
    return (text or "").replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space."""
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return line
    parts, current = [], b""
    for ch in line:
        encoded = ch.encode("utf-8")
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode("utf-8"))
            current = b""
        current += encoded
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def vevent(event: Event) -> list[str]:
    status = "CANCELLED" if event.status == Event.CANCELLED else "CONFIRMED"
    return [
        "BEGIN:VEVENT",
        f"UID:event-{event.pk}@beiyang",
        f"DTSTAMP:{_utc(timezone.now())}",
        f"DTSTART:{_utc(event.starts_at)}",
        f"DTEND:{_utc(event.ends_at)}",
        f"SUMMARY:{_escape(event.title)}",
        f"LOCATION:{_escape(event.venue)}",
        f"DESCRIPTION:{_escape(event.description)}",
        f"URL:{settings.SITE_URL}/events/{event.pk}/",
        f"STATUS:{status}",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        f"DESCRIPTION:{_escape(event.title)}",
        "TRIGGER:-PT1H",
        "END:VALARM",
        "END:VEVENT",
    ]


def ics_response(events: Iterable[Event], name: str, filename: str | None = None):
    """An iCalendar HTTP response; with ``filename`` it downloads instead of subscribing."""
    from django.http import HttpResponse

    response = HttpResponse(calendar(events, name), content_type="text/calendar; charset=utf-8")
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def calendar(events: Iterable[Event], name: str) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Beiyang//Events//ZH",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_escape(name)}",
        "X-WR-TIMEZONE:Asia/Shanghai",
    ]
    for event in events:
        lines.extend(vevent(event))
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
