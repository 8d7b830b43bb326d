import datetime as dt

import factory
from django.utils import timezone

from beiyang.events.models import Event


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    kind = "roadshow"
    title = factory.Sequence(lambda n: f"模速路演日 第{n}期")
    venue = "模速空间 路演厅"
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=3))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=3))
    capacity = 2
    status = Event.PUBLISHED


def event_body(**overrides) -> dict:
    """A valid body for POST /staff/events: a salon five days from now, with overrides."""
    start = timezone.now() + dt.timedelta(days=5)
    return {
        "kind": "salon",
        "title": "沙龙",
        "venue": "x",
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=1)).isoformat(),
        "capacity": 5,
        **overrides,
    }
