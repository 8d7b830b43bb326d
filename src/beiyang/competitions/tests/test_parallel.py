"""Taps that arrive together: one entry a company, one close of a round."""

from __future__ import annotations

import pytest

from beiyang.competitions.models import Entry
from beiyang.competitions.tests.helpers import RUBRIC, round_times
from beiyang.core.tests.threads import at_once

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_parallel_entries_of_one_company_make_one_entry(make_founder, make_staff):
    _, admin_api = make_staff("town_admin")
    s, e = round_times(2)
    competition_id = admin_api.post(
        "staff/competitions",
        {
            "title": "大赛",
            "prize_pool_cny": "1000",
            "rounds": [{"name": "初赛", "starts_at": s.isoformat(), "ends_at": e.isoformat(), "advance": 1}],
            "rubric": RUBRIC,
        },
    ).json()["id"]
    _, company, api = make_founder()
    codes = at_once(
        6,
        lambda: (
            api.post(
                f"competitions/{competition_id}/entries", {"project": "并发", "summary": "x"}
            ).status_code
        ),
    )
    assert Entry.objects.filter(company=company).count() == 1
    assert sorted(codes) == [201, 409, 409, 409, 409, 409]
