from __future__ import annotations

import datetime as dt

from django.core import signing
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from beiyang.accounts.models import User
from beiyang.core.errors import NotFound
from beiyang.events.models import CalendarFeed, Event, Registration


def with_counts(qs: QuerySet[Event]) -> QuerySet[Event]:
    return qs.annotate(
        confirmed_count=Count("registrations", filter=Q(registrations__status=Registration.CONFIRMED)),
        waitlist_count=Count("registrations", filter=Q(registrations__status=Registration.WAITLISTED)),
        checked_in_count=Count("registrations", filter=Q(registrations__checked_in_at__isnull=False)),
    )


def upcoming_events(
    *,
    kind: str | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    include_past: bool = False,
) -> QuerySet[Event]:
    qs = Event.objects.filter(status__in=[Event.PUBLISHED, Event.CANCELLED])
    if not include_past:
        qs = qs.filter(ends_at__gte=timezone.now())
    if kind:
        qs = qs.filter(kind=kind)
    if start:
        qs = qs.filter(starts_at__gte=start)
    if end:
        qs = qs.filter(starts_at__lt=end)
    return with_counts(qs).order_by("starts_at", "id")


def event_or_404(event_id: int, *, staff: bool = False) -> Event:
    qs = Event.objects.all() if staff else Event.objects.exclude(status=Event.DRAFT)
    event = with_counts(qs.filter(pk=event_id)).first()
    if event is None:
        raise NotFound("活动不存在", "No such event", field="event_id", code="event_not_found")
    return event


def registration_open(event: Event, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        event.status == Event.PUBLISHED
        and now < event.starts_at
        and (event.registration_opens_at is None or now >= event.registration_opens_at)
        and (event.registration_closes_at is None or now <= event.registration_closes_at)
    )


def my_registrations(user, *, active_only: bool = False) -> QuerySet[Registration]:
    qs = Registration.objects.filter(user=user).select_related("event")
    if active_only:
        qs = qs.filter(status__in=Registration.ACTIVE)
    return qs.order_by("event__starts_at", "id")


def my_registration(user, event: Event) -> Registration | None:
    if not user.is_authenticated:
        return None
    return Registration.objects.filter(user=user, event=event, status__in=Registration.ACTIVE).first()


def event_registrations(event: Event) -> QuerySet[Registration]:
    return Registration.objects.filter(event=event).select_related("user", "company").order_by("id")


FEED_SALT = "beiyang.events.feed"


def calendar_feed_token(user) -> str | None:
    """The secret of the founder's calendar link, or None when they turned it off."""
    feed = CalendarFeed.objects.filter(user=user).first()
    if feed is not None and not feed.enabled:
        return None
    return signing.dumps({"u": user.pk, "g": feed.generation if feed else 0}, salt=FEED_SALT)


def calendar_feed_user(token: str):
    """The active founder whose current link this is, else None (forged, replaced, off)."""

    try:
        claim = signing.loads(token, salt=FEED_SALT)
        user_id, generation = int(claim["u"]), int(claim["g"])
    except (signing.BadSignature, TypeError, KeyError, ValueError):
        return None
    feed = CalendarFeed.objects.filter(user_id=user_id).first()
    current = (feed.generation, feed.enabled) if feed else (0, True)
    if current != (generation, True):
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()
