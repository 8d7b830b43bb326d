import datetime as dt

import pytest

from beiyang.applications.workdays import add_working_days, is_working_day, working_days_between


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # Spring Festival 2026: 15-23 February off; Saturday 14 February and Saturday 28 February are 调休 working days.
        (dt.date(2026, 2, 12), 2, dt.date(2026, 2, 14)),
        (dt.date(2026, 2, 13), 2, dt.date(2026, 2, 24)),
        (dt.date(2026, 2, 13), 5, dt.date(2026, 2, 27)),
        (dt.date(2026, 2, 26), 2, dt.date(2026, 2, 28)),
        # National Day 2026: 1-7 October off.
        (dt.date(2026, 9, 30), 1, dt.date(2026, 10, 8)),
        (dt.date(2026, 9, 29), 3, dt.date(2026, 10, 9)),
        # An ordinary week.
        (dt.date(2026, 11, 27), 5, dt.date(2026, 12, 4)),
    ],
)
def test_due_dates_on_the_chinese_calendar(start, days, due):
    got, estimated = add_working_days(start, days)
    assert got == due and not estimated
    assert working_days_between(start, got) == days


def _first_unpublished_year() -> int:
    """The first year the installed calendar does not know (2027 today; later with each release)."""
    import chinese_calendar

    year = 2026
    while True:
        try:
            chinese_calendar.is_workday(dt.date(year, 6, 1))
        except NotImplementedError:
            return year
        year += 1


def test_a_year_without_a_published_calendar_is_an_estimate():
    year = _first_unpublished_year()
    start = dt.date(year, 1, 1)
    due, estimated = add_working_days(start, 5)
    weekdays = [
        start + dt.timedelta(days=n) for n in range(1, 15) if (start + dt.timedelta(days=n)).weekday() < 5
    ]
    assert estimated and due == weekdays[4]
    first_saturday = start + dt.timedelta(days=(5 - start.weekday()) % 7 or 7)
    assert is_working_day(first_saturday) == (False, True)


def test_a_published_year_is_not_an_estimate():
    last = _first_unpublished_year() - 1
    assert add_working_days(dt.date(last, 6, 1), 5)[1] is False
