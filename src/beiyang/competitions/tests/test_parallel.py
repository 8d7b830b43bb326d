"""Taps that arrive together: one entry a company, one close of a round."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from beiyang.competitions.models import Entry
from beiyang.competitions.tests.helpers import RUBRIC, round_times

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _together(n, call):
    barrier = threading.Barrier(n)
    results = []

    def go():
        try:
            barrier.wait(timeout=30)
            results.append(call())
        finally:
            connection.close()

    threads = [threading.Thread(target=go) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


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
    codes = _together(
        6,
        lambda: (
            api.post(
                f"competitions/{competition_id}/entries", {"project": "并发", "summary": "x"}
            ).status_code
        ),
    )
    assert Entry.objects.filter(company=company).count() == 1
    assert sorted(codes) == [201, 409, 409, 409, 409, 409]
