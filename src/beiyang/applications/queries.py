from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from beiyang.applications.models import Application
from beiyang.core.models import AuditEntry
from beiyang.core.numbers import ASSIGNEE_WORDS, read_id
from beiyang.policies.queries import current_pack, evaluate_company


def sla_status(application: Application, today: dt.date | None = None) -> str:
    today = today or timezone.localdate()
    if application.status == "needs_info":
        return "paused"
    if application.status not in ("submitted", "in_review") or application.due_on is None:
        return "closed"
    if today > application.due_on:
        return "breached"
    if (application.due_on - today).days <= 1:
        return "due_soon"
    return "on_time"


def my_applications(user) -> QuerySet[Application]:
    return Application.objects.filter(company__memberships__user=user).order_by("-id")


def review_queue(
    *, lane: str | None = None, status: str | None = None, assignee: str | int | None = None, user=None
) -> QuerySet[Application]:
    """Oldest-due first; ``assignee`` is a user id, ``me`` or ``none``."""
    qs = Application.objects.exclude(status__in=["draft", "withdrawn"]).select_related("company", "assignee")
    if lane:
        qs = qs.filter(lane=lane)
    if status:
        qs = qs.filter(status=status)
    else:
        qs = qs.filter(status__in=["submitted", "in_review", "needs_info"])
    if assignee == "me" and user is not None:
        qs = qs.filter(assignee=user)
    elif assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif assignee not in (None, ""):
        qs = qs.filter(
            assignee_id=read_id(
                assignee, "assignee", label=ASSIGNEE_WORDS, also="me 或 none", also_en="me or none"
            )
        )
    return qs.order_by("due_on", "id")


DECIDED = ("approved", "rejected", "disbursed", "withdrawn")


def decided_applications(
    *, status: str | None = None, lane: str | None = None, policy: str | None = None, q: str = ""
) -> QuerySet[Application]:
    """Decided (or withdrawn) applications, newest decision first, for the reviewers' history."""
    qs = Application.objects.filter(status__in=DECIDED).select_related("company", "decided_by")
    if status in DECIDED:
        qs = qs.filter(status=status)
    if lane:
        qs = qs.filter(lane=lane)
    if policy:
        qs = qs.filter(policy_id=policy)
    if q:
        qs = qs.filter(company__name__icontains=q)
    return qs.order_by("-decided_at", "-id")


def policy_title(application: Application, *, en: bool = False) -> str:
    """The policy's title from the current pack, Chinese or English (its id only if the pack
    dropped it)."""

    policy = current_pack().policies.get(application.policy_id)
    if not policy:
        return application.policy_id
    return (policy.title.en or policy.title.zh) if en else policy.title.zh


def eligibility_now(application: Application) -> dict[str, Any] | None:
    """The engine's full answer for this company and policy today (None when not in force)."""

    pack = current_pack()
    if application.policy_id not in pack.policies:
        return None
    result = evaluate_company(application.company, pack=pack).by_policy().get(application.policy_id)
    return result.to_dict() if result is not None else None


SYSTEM_ACTORS = {"sla": "系统"}


def timeline(application: Application) -> list[dict[str, Any]]:
    entries = (
        AuditEntry.objects.filter(object_type="applications.application", object_id=str(application.pk))
        .select_related("actor")
        .order_by("id")
    )
    return [
        {
            "at": e.created_at,
            "type": e.action_type,
            # A person by name; the SLA job by what it is rather than its internal label.
            "actor": (e.actor.name or e.actor_label) if e.actor else SYSTEM_ACTORS.get(e.actor_label, ""),
            "data": e.data,
        }
        for e in entries
    ]


def counts() -> dict[str, Any]:
    """By state, by lane, and SLA compliance, for the dashboard."""
    today = timezone.localdate()
    apps = list(Application.objects.exclude(status="draft").only("status", "lane", "due_on", "decided_at"))
    decided = [a for a in apps if a.decided_at and a.due_on]
    on_time = sum(timezone.localdate(a.decided_at) <= a.due_on for a in decided)
    return {
        "by_status": dict(Counter(a.status for a in apps)),
        "by_lane": dict(Counter(a.lane for a in apps)),
        "by_sla": dict(Counter(sla_status(a, today) for a in apps)),
        "decided": len(decided),
        "decided_on_time": on_time,
        "sla_compliance": round(on_time / len(decided), 3) if decided else None,
    }
