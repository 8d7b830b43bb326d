"""Shared set-up for the competition tests."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

RUBRIC = [
    {"id": "tech", "label": "技术", "weight": 2, "max": 10},
    {"id": "market", "label": "市场", "weight": 1, "max": 10},
]


def round_times(opens_in_days: float, length_days: float = 7):
    start = timezone.now() + dt.timedelta(days=opens_in_days)
    return start, start + dt.timedelta(days=length_days)
