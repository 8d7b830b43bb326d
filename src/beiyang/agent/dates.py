"""Relative dates in founders' words, in Asia/Shanghai: 本周四, 下周三, 这周末, 明天, 下个月, on Friday.

>>> import datetime as dt
>>> window("帮我报名本周四的沙龙", dt.date(2026, 11, 29))   # a Sunday: this week's Thursday is past
(datetime.date(2026, 11, 26), datetime.date(2026, 11, 27))
>>> window("下周三的培训", dt.date(2026, 11, 29))
(datetime.date(2026, 12, 2), datetime.date(2026, 12, 3))
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

TOWN_ZONE = ZoneInfo("Asia/Shanghai")


def town_today() -> dt.date:
    """Today in the town (Asia/Shanghai), from the clock: every age, window and deadline the agent
    reads is counted on it. At 17:00 UTC it is already tomorrow in Shanghai."""
    from django.utils import timezone

    return timezone.localdate(timezone.now(), TOWN_ZONE)


WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
EN_DAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}


def window(text: str, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """The [start, end) dates a message refers to, or None when it names none."""
    t = text.lower()
    monday = today - dt.timedelta(days=today.weekday())
    m = re.search(r"(本周|这周|这个星期|下周|下个星期|下星期|周|星期|礼拜)([一二三四五六日天])", t)
    if m:
        base = monday + dt.timedelta(days=7) if m.group(1) in ("下周", "下个星期", "下星期") else monday
        day = base + dt.timedelta(days=WEEKDAYS[m.group(2)])
        if m.group(1) in ("周", "星期", "礼拜") and day < today:
            day += dt.timedelta(days=7)  # "周四" alone means the coming Thursday
        return day, day + dt.timedelta(days=1)
    for name, index in EN_DAYS.items():
        if name in t:
            day = monday + dt.timedelta(days=index + (7 if "next" in t else 0))
            if day < today:
                day += dt.timedelta(days=7)
            return day, day + dt.timedelta(days=1)
    if "周末" in t or "weekend" in t:
        base = monday + dt.timedelta(days=7) if "下周" in t or "next" in t else monday
        return base + dt.timedelta(days=5), base + dt.timedelta(days=7)
    if "明天" in t or "tomorrow" in t:
        return today + dt.timedelta(days=1), today + dt.timedelta(days=2)
    if "今天" in t or "today" in t:
        return today, today + dt.timedelta(days=1)
    if "下周" in t or "next week" in t:
        return monday + dt.timedelta(days=7), monday + dt.timedelta(days=14)
    if "本周" in t or "这周" in t or "this week" in t:
        return today, monday + dt.timedelta(days=7)
    if "下个月" in t or "下月" in t or "next month" in t:
        first = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        return first, (first + dt.timedelta(days=32)).replace(day=1)
    if "本月" in t or "这个月" in t or "this month" in t:
        return today, (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return None


KIND_WORDS = {
    "roadshow": ("路演", "roadshow"),  # also "路演曰", a common slip for 路演日
    "salon": ("沙龙", "salon"),
    "seminar": ("研讨会", "seminar", "讲座"),
    "competition": ("大赛", "比赛", "competition"),
    "training": ("培训", "训练营", "training", "boot camp"),
    "open_day": ("开放日", "open day"),
}


def event_kind(text: str) -> str | None:
    t = text.lower()
    for kind, words in KIND_WORDS.items():
        if any(w in t for w in words):
            return kind
    return None
