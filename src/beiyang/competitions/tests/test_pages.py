"""The competition and internship pages for each role: Chinese, no internal codes, and hostile
form input answered with a message, never a 500."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from beiyang.competitions.models import Assignment
from beiyang.competitions.tests.test_api import _enter, _judges, _open_round

pytestmark = pytest.mark.django_db
CODES = re.compile(r"\b(active|eliminated|finalist|declared|member|interest|town_admin|judge)\b|\['|\(参数")


def _visible(html: str) -> str:
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    return body


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def test_each_role_sees_its_page_in_chinese(make_founder, make_staff, admin, competition):
    admin_user, admin_api = admin
    entries = _enter(make_founder, competition, 3)
    judges = _judges(make_staff, admin_api, competition, 2)
    admin_api.post(f"staff/competitions/{competition.pk}/rounds/1/assign", {"judges_per_entry": 1})
    _open_round(competition)
    founder = _client(entries[0][0])
    judge = _client(judges[0][0])
    staff = _client(admin_user)
    for client, url, expect in [
        (founder, "/competitions/", "创业大赛"),
        (founder, f"/competitions/{competition.pk}/", "我的参赛项目"),
        (judge, "/judge/", "保存评分"),
        (staff, f"/staff/competitions/{competition.pk}/", "评审进度"),
        (founder, "/internships/", "“1+1”实习"),
    ]:
        r = client.get(url)
        assert r.status_code == 200, url
        text = _visible(r.content.decode())
        assert expect in text
        assert not CODES.search(text), (url, CODES.search(text))
    # Other roles' pages are refused.
    assert founder.get("/judge/").status_code == 403
    assert judge.get(f"/staff/competitions/{competition.pk}/").status_code == 403


def test_a_judge_scores_from_the_phone_form(make_founder, make_staff, admin, competition):
    _, admin_api = admin
    _enter(make_founder, competition, 2)
    judges = _judges(make_staff, admin_api, competition, 1)
    admin_api.post(f"staff/competitions/{competition.pk}/rounds/1/assign", {"judges_per_entry": 1})
    _open_round(competition)
    judge = _client(judges[0][0])
    sheet = Assignment.objects.filter(judge=judges[0][0]).first()
    r = judge.post(
        "/judge/",
        {"entry_id": sheet.entry_id, "round": 1, "score-tech": "8.5", "score-market": "7", "comment": "不错"},
    )
    assert r.status_code == 302
    sheet.refresh_from_db()
    assert sheet.scores == {"tech": 8.5, "market": 7.0}
    r = judge.post(
        "/judge/",
        {"entry_id": sheet.entry_id, "round": 1, "score-tech": "99", "score-market": "7"},
        follow=True,
    )
    assert "分数须在0到10之间" in r.content.decode()


@pytest.mark.parametrize(
    "url,data",
    [
        ("/judge/", {"entry_id": "9" * 30, "round": "x", "score-tech": "nan"}),
        ("/judge/", {"do": "conflict", "entry_id": "-1", "competition_id": "²"}),
        ("/internships/", {"do": "apply", "position_id": "9" * 40}),
        (
            "/internships/",
            {"do": "post", "title": "x", "seats": "1e9", "months": "", "starts_on": "0000-13-45"},
        ),
        ("/internships/", {"do": "rank_positions", "rank-abc": "1", "rank-99999999999999999999": "2"}),
        ("/internships/", {"do": "rank_students", "position_id": "1", "rank-1": "一"}),
    ],
)
def test_hostile_form_input_never_answers_500(make_staff, url, data):
    judge_user, _ = make_staff("judge")
    r = _client(judge_user).post(url, data)
    assert r.status_code in (302, 403)


def test_an_admin_creates_a_competition_from_the_form(admin):
    from beiyang.competitions.models import Competition

    staff = _client(admin[0])
    form = {
        "title": "港科大创业大赛 2028",
        "prize_pool_cny": "1000000",
        "rounds": "初赛, 2030-03-01 09:00, 2030-03-08 18:00, 10\n决赛,2030-04-01 09:00,2030-04-01 18:00,3",
        "rubric": "technology, 技术创新, 3, 10\nmarket, 市场前景, 2, 10",
        "prizes": "一等奖, 500000",
    }
    r = staff.post("/staff/competitions/", form)
    assert r.status_code == 302
    created = Competition.objects.get(title="港科大创业大赛 2028")
    assert created.rounds.count() == 2 and created.prizes[0]["amount_fen"] == 50_000_000
    bad = staff.post(
        "/staff/competitions/", {**form, "title": "坏", "rounds": "初赛, 下周一, 2030-03-08, 10"}
    )
    assert bad.status_code == 200 and "时间格式应为" in bad.content.decode()
    assert not Competition.objects.filter(title="坏").exists()
    assert staff.get("/staff/competitions/").status_code == 200
