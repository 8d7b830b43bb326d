"""The pack's clocks on a request: working hours, limits, pauses and the reopen window."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from beiyang.service.clock import ServiceHours
from beiyang.service.models import ServiceRequest


def service_params(on: dt.date | None = None) -> dict[str, Any]:
    """The ``service.*`` parameters in force; a published pack from before they existed falls
    back to the pack shipped in the repository for them."""
    from beiyang.policies.queries import current_pack, disk_pack

    on = on or timezone.localdate()
    params = current_pack().params_at(on)
    if params.get("service.workday_start_hour") is None:
        params = disk_pack().params_at(on)
    return {k: v for k, v in params.items() if k.startswith("service.")}


def service_hours(params: dict[str, Any] | None = None) -> ServiceHours:
    params = params or service_params()
    return ServiceHours(int(params["service.workday_start_hour"]), int(params["service.workday_end_hour"]))


def limits(category: str, params: dict[str, Any] | None = None) -> tuple[int, int]:
    """(first response, resolution) limits of a category in working minutes."""
    params = params or service_params()
    hours = service_hours(params)
    return (
        int(params[f"service.first_response_hours.{category}"]) * 60,
        int(params[f"service.resolve_days.{category}"]) * hours.minutes_per_day,
    )


def start_clocks(request: ServiceRequest, now: dt.datetime) -> None:
    params = service_params(timezone.localdate(now))
    hours = service_hours(params)
    respond, resolve = limits(request.category, params)
    local = timezone.localtime(now)
    request.first_response_due, guess1 = hours.add(local, respond)
    request.resolve_due, guess2 = hours.add(local, resolve)
    request.due_estimated = guess1 or guess2


def resume_clock(request: ServiceRequest, now: dt.datetime) -> None:
    """The founder answered: the resolution clock runs again with what was left."""
    hours = service_hours()
    request.resolve_due, guess = hours.add(timezone.localtime(now), request.paused_minutes_left or 0)
    request.due_estimated |= guess
    request.paused_at, request.paused_minutes_left = None, None


def back_in_progress(request: ServiceRequest, now: dt.datetime) -> None:
    """An officer answered: a clock paused for the founder runs again."""
    if request.status == "waiting_founder":
        resume_clock(request, now)
    request.status = "in_progress"


def can_reopen(request: ServiceRequest, now: dt.datetime | None = None) -> bool:
    if request.status != "resolved" or request.resolved_at is None:
        return False
    days = int(service_params()["service.reopen_days"])
    return (now or timezone.now()) - request.resolved_at <= dt.timedelta(days=days)
