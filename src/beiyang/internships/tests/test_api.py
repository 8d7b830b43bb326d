""" "1+1" internships through the API: post, apply, rank both ways, place, tell everyone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from beiyang.internships.models import InternshipApplication, Placement, Position
from beiyang.notifications.models import Message

pytestmark = pytest.mark.django_db


def _post(api, title, seats, skills=("python",)):
    r = api.post(
        "internships",
        {
            "title": title,
            "skills": list(skills),
            "seats": seats,
            "months": 12,
            "starts_on": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        },
    )
    assert r.status_code == 201, r.content
    return r.json()["id"]


def _student(make_founder, skills=("python",)):
    user, _, api = make_founder(with_company=False)
    r = api.put("me/student", {"school": "香港科技大学", "programme": "人工智能", "skills": list(skills)})
    assert r.status_code == 200
    return user, api


def test_bad_input_is_refused_with_nothing_written(make_founder):
    _, _, company_api = make_founder()
    past = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    r = company_api.post(
        "internships", {"title": "算法实习", "skills": [], "seats": 1, "months": 12, "starts_on": past}
    )
    assert r.status_code == 400 and r.json()["field"] == "starts_on"
    r = company_api.post(
        "internships", {"title": " ", "skills": [], "seats": 1, "months": 12, "starts_on": "2030-01-01"}
    )
    assert r.status_code == 400 and r.json()["field"] == "title"
    assert not Position.objects.exists()
    position = _post(company_api, "算法实习", 1)
    _, no_profile_api = make_founder(with_company=False)[0], make_founder(with_company=False)[2]
    r = no_profile_api.post(f"internships/{position}/applications")
    assert r.status_code == 409 and r.json()["code"] == "no_student_profile"
    student, student_api = _student(make_founder)
    assert student_api.post(f"internships/{position}/applications").status_code == 201
    assert student_api.post(f"internships/{position}/applications").status_code == 409
    stranger, _ = _student(make_founder)
    # Ranking someone who did not apply, or a position not applied to: 400, nothing written.
    r = company_api.put(f"internships/{position}/ranking", {"students": [student.pk, stranger.pk]})
    assert r.status_code == 400 and r.json()["field"] == "students" and r.json()["ids"] == [stranger.pk]
    other = _post(company_api, "产品实习", 1)
    r = student_api.put("me/internship-ranking", {"positions": [position, other]})
    assert r.status_code == 400 and r.json()["field"] == "positions"
    assert not InternshipApplication.objects.filter(company_rank__isnull=False).exists()
    assert not InternshipApplication.objects.filter(student_rank__isnull=False).exists()
    # Another company cannot rank this position's applicants.
    _, _, other_company_api = make_founder()
    assert (
        other_company_api.put(f"internships/{position}/ranking", {"students": [student.pk]}).status_code
        == 404
    )


def test_a_round_places_stably_and_tells_everyone(make_founder, make_staff):
    _, admin_api = make_staff("town_admin")
    _, _, company_a = make_founder()
    _, _, company_b = make_founder()
    pa = _post(company_a, "大模型算法实习", 1, ["python", "pytorch"])
    pb = _post(company_b, "数据工程实习", 1, ["sql", "python"])
    s1, api1 = _student(make_founder)
    s2, api2 = _student(make_founder)
    s3, api3 = _student(make_founder, ["sql"])
    for api in (api1, api2, api3):
        api.post(f"internships/{pa}/applications")
        api.post(f"internships/{pb}/applications")
    api1.put("me/internship-ranking", {"positions": [pa, pb]})
    api2.put("me/internship-ranking", {"positions": [pa, pb]})
    api3.put("me/internship-ranking", {"positions": [pb, pa]})
    company_a.put(f"internships/{pa}/ranking", {"students": [s2.pk, s1.pk, s3.pk]})
    company_b.put(f"internships/{pb}/ranking", {"students": [s1.pk, s3.pk, s2.pk]})
    r = admin_api.post("staff/internship-rounds")
    assert r.status_code == 201
    round_id = r.json()["id"]
    r = admin_api.post(f"staff/internship-rounds/{round_id}/place")
    assert r.status_code == 200, r.content
    placed = {p["student_id"]: p["position_id"] for p in r.json()["placements"]}
    # s2 is A's first choice and wants A; s1 then goes to B (B's first choice); s3 is left.
    assert placed == {s2.pk: pa, s1.pk: pb}
    assert r.json()["unplaced"] == [s3.pk]
    assert Placement.objects.count() == 2
    assert Message.objects.filter(user=s2, title__contains="大模型算法实习").exists()
    assert Message.objects.filter(user=s3, title="本轮实习匹配未成功").exists()
    assert admin_api.post(f"staff/internship-rounds/{round_id}/place").status_code == 409
    assert not Position.objects.filter(is_open=True).exists()


def test_only_admins_run_rounds(founder, make_staff):
    _, _, api = founder
    assert api.post("staff/internship-rounds").status_code == 403
    _, reviewer_api = make_staff("reviewer")
    assert reviewer_api.post("staff/internship-rounds").status_code == 403
