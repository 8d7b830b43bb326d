from __future__ import annotations

import datetime as dt

from django.db.models import Count
from django.utils import timezone

from beiyang.wechat.models import Follower

RECENT_DAYS = 90


def follower_of(user) -> Follower | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Follower.objects.filter(user=user).first()


def most_asked_intents(intents: list[str]) -> dict[str, int]:
    """How often founders asked the agent for each of ``intents`` over the last 90 days."""
    from beiyang.agent.models import Turn

    since = timezone.now() - dt.timedelta(days=RECENT_DAYS)
    rows = (
        Turn.objects.filter(role="founder", intent__in=intents, created_at__gte=since)
        .values("intent")
        .annotate(n=Count("id"))
    )
    return {row["intent"]: row["n"] for row in rows}
