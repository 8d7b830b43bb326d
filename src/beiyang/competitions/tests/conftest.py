"""The competition every page and API test starts from: two rounds, a weighted rubric, prizes."""

from __future__ import annotations

import pytest

from beiyang.competitions.models import Competition
from beiyang.competitions.tests.helpers import RUBRIC, round_times


@pytest.fixture
def admin(make_staff):
    return make_staff("town_admin")


@pytest.fixture
def competition(admin):
    _, api = admin
    s1, e1 = round_times(2)
    s2, e2 = round_times(10)
    response = api.post(
        "staff/competitions",
        {
            "title": "港科大百万元奖金创业大赛 2027",
            "prize_pool_cny": "1000000",
            "rounds": [
                {"name": "初赛", "starts_at": s1.isoformat(), "ends_at": e1.isoformat(), "advance": 2},
                {"name": "决赛", "starts_at": s2.isoformat(), "ends_at": e2.isoformat(), "advance": 1},
            ],
            "rubric": RUBRIC,
            "prizes": [
                {"label": "一等奖", "amount_cny": "500000"},
                {"label": "二等奖", "amount_cny": "300000"},
            ],
        },
    )
    assert response.status_code == 201, response.content
    return Competition.objects.get(pk=response.json()["id"])
