"""The clocks' watch: reminders before a limit, escalation after it."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from beiyang.core.audit import log_action
from beiyang.core.words import moment_words
from beiyang.notifications.actions import do_send_message
from beiyang.service.actions.clocks import service_hours, service_params
from beiyang.service.actions.notices import tell_staff
from beiyang.service.models import ServiceRequest


def do_send_service_reminders(now: dt.datetime | None = None) -> dict[str, int]:
    """Remind the officer the pack's lead time before a limit; escalate to town admins once it
    passes. Paused requests (waiting for the founder) are left alone. Each at most once a limit."""
    now = now or timezone.now()
    params = service_params(timezone.localdate(now))
    hours = service_hours(params)
    lead = int(params["service.remind_before_hours"]) * 60
    admins = list(
        get_user_model()
        .objects.filter(groups__name="town_admin", is_active=True)
        .values_list("id", flat=True)
    )
    counts = {"reminded": 0, "escalated": 0}
    local = timezone.localtime(now)
    # Only requests with a clock still to watch, due within a fortnight of wall time (the lead is
    # in working hours, so a holiday week can stretch it; no limit is that far in the pack).
    horizon = now + dt.timedelta(days=15)
    candidates = (
        ServiceRequest.objects.filter(status__in=("open", "in_progress"))
        .filter(
            Q(
                first_responded_at__isnull=True,
                response_escalated_at__isnull=True,
                first_response_due__lte=horizon,
            )
            | Q(resolve_escalated_at__isnull=True, resolve_due__lte=horizon)
        )
        .values_list("id", flat=True)
    )
    for request_id in list(candidates):
        with transaction.atomic(durable=True):
            request = ServiceRequest.objects.select_for_update().filter(pk=request_id).first()
            if request is None or request.status not in ("open", "in_progress"):
                continue
            clocks = []
            if request.first_responded_at is None:
                clocks.append(("response", "首次响应", request.first_response_due))
            clocks.append(("resolve", "办结", request.resolve_due))
            for clock, label, due in clocks:
                if due is None:
                    continue
                if now > due and getattr(request, f"{clock}_escalated_at") is None:
                    setattr(request, f"{clock}_escalated_at", now)
                    request.save(update_fields=[f"{clock}_escalated_at"])
                    log_action(
                        "service.request.escalated", actor_label="sla", obj=request, clock=clock, due=due
                    )
                    for user_id in admins:
                        do_send_message(
                            user_id,
                            kind="service",
                            title=f"服务请求#{request.pk}{label}超时,请登录工作台查看",
                            body=f"应于{moment_words(due, en=False)}前{label}",
                            title_en=f"Service request overdue ({clock}): #{request.pk}",
                            link=f"/staff/service/{request.pk}/",
                            data={"service_request_id": request.pk},
                        )
                    counts["escalated"] += 1
                elif (
                    now <= due
                    and getattr(request, f"{clock}_reminded_at") is None
                    and hours.between(local, timezone.localtime(due)) <= lead
                ):
                    setattr(request, f"{clock}_reminded_at", now)
                    request.save(update_fields=[f"{clock}_reminded_at"])
                    log_action(
                        "service.request.reminded", actor_label="sla", obj=request, clock=clock, due=due
                    )
                    tell_staff(
                        request,
                        "due_soon",
                        clock=label,
                        clock_en="first response" if clock == "response" else "resolution",
                        due=moment_words(due, en=False),
                    )
                    counts["reminded"] += 1
    return counts
