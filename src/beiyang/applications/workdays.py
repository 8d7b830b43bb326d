"""Working days on the Chinese calendar, with 调休 (weekend days that are working days).

The State Council's calendar comes from the ``chinesecalendar`` package; for a year it does not
know yet (the calendar is published each November), weekdays count and the answer says it is
an estimate.

>>> add_working_days(dt.date(2026, 2, 13), 1)   # Friday before Spring Festival: the 14th is a 调休 Saturday
(datetime.date(2026, 2, 14), False)
>>> add_working_days(dt.date(2026, 9, 30), 1)   # National Day week is off
(datetime.date(2026, 10, 8), False)
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar


def is_working_day(day: dt.date) -> tuple[bool, bool]:
    """(working?, estimated?)."""
    try:
        return chinese_calendar.is_workday(day), False
    except NotImplementedError:
        return day.weekday() < 5, True


def add_working_days(start: dt.date, days: int) -> tuple[dt.date, bool]:
    """The date ``days`` working days after ``start`` (``start`` itself not counted)."""
    day, left, estimated = start, days, False
    while left > 0:
        day += dt.timedelta(days=1)
        working, guess = is_working_day(day)
        estimated |= guess
        if working:
            left -= 1
    return day, estimated


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end`` is not later)."""
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day)[0]:
            count += 1
    return count
