import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from beiyang.service.clock import ServiceHours
from beiyang.service.tests.conftest import SHANGHAI

HOURS = ServiceHours(9, 18)


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(min_value=dt.datetime(2025, 12, 1), max_value=dt.datetime(2026, 12, 31)),
    minutes=st.integers(min_value=0, max_value=20 * 9 * 60),
)
def test_adding_working_minutes_and_counting_them_back_agree(start, minutes):
    start = start.replace(tzinfo=SHANGHAI, microsecond=0, second=0)
    due, _estimated = HOURS.add(start, minutes)
    assert due >= start
    assert HOURS.between(start, due) == minutes


def test_holidays_do_not_count_and_tiaoxiu_saturdays_do():
    national_day_eve = dt.datetime(2026, 9, 30, 17, tzinfo=SHANGHAI)
    assert HOURS.add(national_day_eve, 120)[0] == dt.datetime(2026, 10, 8, 10, tzinfo=SHANGHAI)
    sunday = dt.datetime(2026, 3, 1, 10, tzinfo=SHANGHAI)  # an ordinary weekend
    assert HOURS.add(sunday, 60)[0] == dt.datetime(2026, 3, 2, 10, tzinfo=SHANGHAI)
