from __future__ import annotations

from django.db.models import QuerySet

from beiyang.notifications.models import Message


def unread_count(user) -> int:
    """For a user or a user id."""
    return Message.objects.filter(user=user, read_at__isnull=True).count()


def inbox(user, *, after_id: int | None = None, limit: int = 50) -> QuerySet[Message]:
    qs = Message.objects.filter(user=user)
    if after_id is not None:
        return qs.filter(pk__gt=after_id).order_by("id")[:limit]
    return qs.order_by("-id")[:limit]
