"""iCalendar (RFC 5545) files, one per event and a personal feed per founder, written by the
``icalendar`` library (escaping, folding, UTC times). Links start with ``SITE_URL``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import icalendar
from django.utils import timezone

from beiyang.core.links import absolute_url
from beiyang.events.models import Event

PRODID = "-//Beiyang//Events//ZH"


def vevent(event: Event) -> icalendar.Event:
    entry = icalendar.Event()
    entry.add("uid", f"event-{event.pk}@beiyang")
    entry.add("dtstamp", timezone.now().astimezone(dt.UTC))
    entry.add("dtstart", event.starts_at.astimezone(dt.UTC))
    entry.add("dtend", event.ends_at.astimezone(dt.UTC))
    entry.add("summary", event.title or "")
    entry.add("location", event.venue or "")
    entry.add("description", event.description or "")
    entry.add("url", absolute_url(f"/events/{event.pk}/"))
    entry.add("status", "CANCELLED" if event.status == Event.CANCELLED else "CONFIRMED")
    alarm = icalendar.Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", event.title or "")
    alarm.add("trigger", dt.timedelta(hours=-1))
    entry.add_component(alarm)
    return entry


def calendar(events: Iterable[Event], name: str) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Shanghai")
    for event in events:
        cal.add_component(vevent(event))
    return cal.to_ical()


def ics_response(events: Iterable[Event], name: str, filename: str | None = None):
    """An iCalendar HTTP response; with ``filename`` it downloads instead of subscribing."""
    from django.http import HttpResponse

    response = HttpResponse(calendar(events, name), content_type="text/calendar; charset=utf-8")
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
