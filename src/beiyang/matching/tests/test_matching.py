import itertools

import pytest

from beiyang.matching.actions import assign
from beiyang.matching.models import IntroRequest, MatchProfile
from beiyang.notifications.models import Message

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def profiles(db):
    return {
        "medical": MatchProfile.objects.create(
            kind="mentor",
            name="医疗导师",
            summary="专长:医疗AI与数字健康",
            sectors=["medical"],
            stages=["seed"],
            languages=["zh"],
            monthly_capacity=1,
        ),
        "llm": MatchProfile.objects.create(
            kind="mentor",
            name="大模型导师",
            summary="专长:大模型训练",
            sectors=["llm"],
            stages=["seed", "angel"],
            languages=["zh"],
            monthly_capacity=2,
        ),
        "fund": MatchProfile.objects.create(
            kind="investor",
            name="早期基金",
            summary="投早期大模型",
            sectors=["llm"],
            stages=["seed"],
            ticket_min_cny=1_000_000,
            ticket_max_cny=10_000_000,
            monthly_capacity=5,
        ),
    }


def test_ranked_with_reasons(founder, profiles):
    _user, _company, client = founder  # a seed-stage LLM company
    mentors = client.get("matches?kind=mentor").json()
    assert [m["name"] for m in mentors] == ["大模型导师", "医疗导师"]
    assert {r["code"] for r in mentors[0]["reasons"]} >= {"sector", "stage", "capacity"}
    assert mentors[0]["reasons"][0]["label"].startswith("细分领域重合")
    medical = client.get("matches?kind=mentor&need=做医疗AI的导师").json()
    assert medical[0]["name"] == "医疗导师" and medical[0]["score"] > medical[1]["score"]
    investors = client.get("matches?kind=investor&need=投早期大模型的机构").json()
    assert any(r["code"] == "ticket" for r in investors[0]["reasons"])


def test_bad_kind(founder):
    _user, _company, client = founder
    resp = client.get("matches?kind=astrologer")
    assert resp.status_code == 400 and resp.json()["field"] == "kind"


def test_intro_capacity_answers_and_feedback(founder, make_founder, make_staff, profiles):
    user, _company, client = founder
    _admin, admin_api = make_staff("town_admin")
    first = client.post("intros", {"target_id": profiles["medical"].pk, "message": "想请教医疗合规"})
    assert first.status_code == 201
    assert client.post("intros", {"target_id": profiles["medical"].pk}).json()["code"] == "already_requested"
    assert (
        admin_api.post(f"intros/{first.json()['id']}/answer", {"outcome": "accepted"}).json()["status"]
        == "accepted"
    )
    assert Message.objects.filter(user=user, title__startswith="引荐请求已接受").exists()
    _o, _c, other = make_founder()
    full = other.post("intros", {"target_id": profiles["medical"].pk})
    assert full.status_code == 409 and full.json()["code"] == "at_capacity"
    # Another founder can neither see nor answer this founder's requests.
    assert other.get("me/intros").json() == []
    assert other.post(f"intros/{first.json()['id']}/answer", {"outcome": "declined"}).status_code == 404
    # A no-show lowers the mentor's rank.
    before = {m["name"]: m["score"] for m in client.get("matches?kind=mentor&need=医疗").json()}
    admin_api.post(f"intros/{first.json()['id']}/answer", {"outcome": "no_show"})
    after = {m["name"]: m["score"] for m in client.get("matches?kind=mentor&need=医疗").json()}
    assert after["医疗导师"] < before["医疗导师"]
    assert (
        admin_api.post(f"intros/{first.json()['id']}/answer", {"outcome": "gone"}).json()["field"]
        == "outcome"
    )


def test_cohort_assignment_is_optimal_and_respects_capacity(make_founder, make_staff, profiles):
    companies = [make_founder(sectors=s, stage="seed")[1] for s in (["medical"], ["llm"], ["llm"])]
    _admin, admin_api = make_staff("town_admin")
    result = admin_api.post("staff/cohort-assignments", {"company_ids": [c.pk for c in companies]}).json()
    pairs = {p["company_id"]: p["mentor"] for p in result["pairs"]}
    assert (
        pairs[companies[0].pk] == "医疗导师"
        and pairs[companies[1].pk] == pairs[companies[2].pk] == "大模型导师"
    )
    assert all(p["reasons"] for p in result["pairs"])
    # Brute force over every assignment respecting capacities finds nothing better.
    mentors = list(MatchProfile.objects.filter(kind="mentor"))
    slots = [m for m in mentors for _ in range(m.monthly_capacity)]
    from beiyang.matching.queries import score

    best = max(
        sum(
            score(slots[j], sectors=set(c.sectors), stage="seed", need="", capacity=1, penalty=0)[0]
            for c, j in zip(companies, perm, strict=True)
        )
        for perm in itertools.permutations(range(len(slots)), len(companies))
    )
    assert result["total_score"] == pytest.approx(best)
    _founder, _c, founder_api = make_founder()
    assert founder_api.post("staff/cohort-assignments", {}).status_code == 403


def test_assignment_scales(db):
    import random

    from beiyang.companies.models import Company

    rng = random.Random(3)
    sectors = ["llm", "medical", "chips", "agent", "cv", "data"]
    companies = [
        Company(pk=i, name=f"c{i}", sectors=rng.sample(sectors, 2), stage=rng.choice(["seed", "angel"]))
        for i in range(200)
    ]
    mentors = [
        MatchProfile(
            pk=i,
            kind="mentor",
            name=f"m{i}",
            sectors=rng.sample(sectors, 2),
            stages=["seed"],
            languages=["zh"],
            monthly_capacity=2,
        )
        for i in range(60)
    ]
    slots = [m for m in mentors for _ in range(2)]
    result = assign(companies, mentors, slots, {})
    assert len(result["pairs"]) == 120 and len(result["unassigned"]) == 80
    counts = {}
    for p in result["pairs"]:
        counts[p["mentor_id"]] = counts.get(p["mentor_id"], 0) + 1
    assert max(counts.values()) <= 2


def test_matches_page(founder, profiles):
    from django.test import Client

    user, _company, _client = founder
    page = Client()
    page.force_login(user)
    html = page.get("/matches/?kind=mentor&need=医疗").content.decode()
    assert "医疗导师" in html and "细分领域重合" in html
    page.post("/matches/?kind=mentor", {"target_id": profiles["llm"].pk, "message": "hi"})
    assert IntroRequest.objects.filter(target=profiles["llm"]).exists()


def test_the_vectorised_fit_equals_the_scalar_score():
    import random

    from beiyang.companies.models import Company
    from beiyang.matching.actions import fit_matrix
    from beiyang.matching.queries import score

    rng = random.Random(9)
    sectors = ["llm", "medical", "chips", "agent", "cv", "data", "finance"]
    stages = ["idea", "seed", "angel", "pre-a", "a", "b+", ""]
    companies = [
        Company(pk=i, sectors=rng.sample(sectors, rng.randint(0, 3)), stage=rng.choice(stages))
        for i in range(40)
    ]
    mentors = [
        MatchProfile(
            pk=i,
            kind="mentor",
            name="m",
            summary="",
            sectors=rng.sample(sectors, rng.randint(0, 3)),
            stages=rng.sample(stages[:-1], rng.randint(0, 3)),
            languages=rng.choice([["zh"], ["en"], []]),
        )
        for i in range(30)
    ]
    penalties = {m.pk: rng.choice([0.0, 0.25, 0.5]) for m in mentors}
    matrix = fit_matrix(companies, mentors, penalties)
    for i, c in enumerate(companies):
        for j, m in enumerate(mentors):
            expected = score(
                m, sectors=set(c.sectors), stage=c.stage or None, need="", capacity=1, penalty=penalties[m.pk]
            )[0]
            assert matrix[i, j] == pytest.approx(expected, abs=0.051), (
                c.sectors,
                c.stage,
                m.sectors,
                m.stages,
            )
