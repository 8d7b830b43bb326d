"""Working time for the service team's clocks: minutes inside service hours on Chinese working
days (调休 weekend days count, holidays do not), on the applications' calendar.

A clock is kept in working minutes so that first-response limits (hours) and resolution
limits (days) are the same arithmetic, and a paused clock resumes with exactly what was left.

>>> import zoneinfo
>>> tz = zoneinfo.ZoneInfo("Asia/Shanghai")
>>> hours = ServiceHours(9, 18)
>>> # Friday 16:00 before Spring Festival 2026; Saturday the 14th is a 调休 working day.
>>> hours.add(dt.datetime(2026, 2, 13, 16, 0, tzinfo=tz), 4 * 60)[0].isoformat()
'2026-02-14T11:00:00+08:00'
>>> hours.between(dt.datetime(2026, 2, 13, 16, 0, tzinfo=tz), dt.datetime(2026, 2, 14, 11, 0, tzinfo=tz))
240
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from beiyang.applications.workdays import is_working_day


@dataclass(frozen=True)
class ServiceHours:
    start_hour: int
    end_hour: int

    @property
    def minutes_per_day(self) -> int:
        return (self.end_hour - self.start_hour) * 60

    def _window(self, day: dt.date, tz) -> tuple[dt.datetime, dt.datetime]:
        opens = dt.datetime.combine(day, dt.time(self.start_hour), tzinfo=tz)
        return opens, opens + dt.timedelta(minutes=self.minutes_per_day)

    def add(self, start: dt.datetime, minutes: int) -> tuple[dt.datetime, bool]:
        """The moment ``minutes`` working minutes after ``start`` (an aware local time), and
        whether a year without a published holiday calendar was crossed (an estimate)."""
        tz = start.tzinfo
        left, estimated, day = max(0, minutes), False, start.date()
        cursor = start
        while True:
            working, guess = is_working_day(day)
            estimated |= guess
            if working:
                opens, closes = self._window(day, tz)
                begin = max(cursor, opens)
                if begin < closes:
                    available = int((closes - begin).total_seconds() // 60)
                    if left <= available:
                        return begin + dt.timedelta(minutes=left), estimated
                    left -= available
            day += dt.timedelta(days=1)
            cursor = dt.datetime.combine(day, dt.time(0), tzinfo=tz)

    def between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Working minutes from ``start`` to ``end`` (0 when ``end`` is not later)."""
        if end <= start:
            return 0
        tz = start.tzinfo
        end = end.astimezone(tz)
        total, day = 0, start.date()
        while day <= end.date():
            if is_working_day(day)[0]:
                opens, closes = self._window(day, tz)
                lo, hi = max(start, opens), min(end, closes)
                if hi > lo:
                    total += int((hi - lo).total_seconds() // 60)
            day += dt.timedelta(days=1)
        return total
