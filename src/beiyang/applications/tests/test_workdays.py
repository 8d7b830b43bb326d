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


def test_a_year_without_a_published_calendar_is_an_estimate():
    due, estimated = add_working_days(dt.date(2026, 12, 30), 5)
    assert estimated and due == dt.date(2027, 1, 6)
    assert is_working_day(dt.date(2027, 1, 9)) == (False, True)
