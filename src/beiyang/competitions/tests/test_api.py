"""The competition through the API: set-up, entries, conflicts, assignment, scoring, closing."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from beiyang.companies.models import Membership
from beiyang.competitions.models import Assignment, Competition, Conflict, Entry, Round
from beiyang.competitions.tests.helpers import RUBRIC, round_times
from beiyang.core.models import AuditEntry
from beiyang.notifications.models import Message


def _open_round(competition, number=1):
    """Move a round's window to now, as time passing would."""
    now = timezone.now()
    Round.objects.filter(competition=competition, number=number).update(
        starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(days=1)
    )


def _enter(make_founder, competition, n):
    out = []
    for i in range(n):
        user, company, api = make_founder()
        r = api.post(
            f"competitions/{competition.pk}/entries", {"project": f"项目{i}", "summary": "大模型应用"}
        )
        assert r.status_code == 201, r.content
        out.append((user, company, api, r.json()["id"]))
    return out


def _judges(make_staff, admin_api, competition, n):
    judges = []
    for _ in range(n):
        user, api = make_staff("judge")
        user.name = f"评委{user.pk}"
        user.save(update_fields=["name"])
        assert (
            admin_api.post(f"staff/competitions/{competition.pk}/judges", {"user_id": user.pk}).status_code
            == 201
        )
        judges.append((user, api))
    return judges


def test_bad_set_up_is_refused_with_nothing_written(admin):
    _, api = admin
    s, e = round_times(1)
    base = {
        "title": "大赛",
        "prize_pool_cny": "100",
        "rounds": [{"name": "初赛", "starts_at": s.isoformat(), "ends_at": e.isoformat(), "advance": 1}],
        "rubric": RUBRIC,
    }
    for change, field in [
        (
            {
                "rounds": [
                    {"name": "初赛", "starts_at": e.isoformat(), "ends_at": s.isoformat(), "advance": 1}
                ]
            },
            "rounds.0",
        ),
        ({"rubric": [RUBRIC[0], RUBRIC[0]]}, "rubric"),
        ({"prizes": [{"label": "一等奖", "amount_cny": "101"}]}, "prizes"),
        ({"prize_pool_cny": "1e400"}, "prize_pool_cny"),
    ]:
        r = api.post("staff/competitions", {**base, **change})
        assert r.status_code == 400, r.content
        body = r.json()
        assert body["field"] == field and body["message"] and body["message_en"]
    assert not Competition.objects.exists() and not Round.objects.exists()


def test_founders_cannot_set_up_or_rank(founder, competition):
    _, _, api = founder
    s, e = round_times(1)
    body = {
        "title": "x",
        "prize_pool_cny": 1,
        "rounds": [{"name": "初赛", "starts_at": s.isoformat(), "ends_at": e.isoformat(), "advance": 1}],
        "rubric": RUBRIC,
    }
    assert api.post("staff/competitions", body).status_code == 403
    assert Competition.objects.count() == 1
    assert api.get(f"staff/competitions/{competition.pk}/rounds/1/ranking").status_code == 403
    assert api.post(f"staff/competitions/{competition.pk}/rounds/1/close", {}).status_code == 403


def test_one_entry_per_company_and_none_after_the_deadline(make_founder, competition):
    _, _, api, _ = _enter(make_founder, competition, 1)[0]
    again = api.post(f"competitions/{competition.pk}/entries", {"project": "再来", "summary": "x"})
    assert again.status_code == 409 and again.json()["code"] == "already_entered"
    _open_round(competition)
    (
        _,
        _,
        late,
    ) = make_founder()[0:3]
    r = late.post(f"competitions/{competition.pk}/entries", {"project": "迟到", "summary": "x"})
    assert r.status_code == 409 and r.json()["code"] == "entries_closed"
    assert Entry.objects.count() == 1


def test_a_company_the_pack_does_not_admit_is_refused_with_the_reason(make_founder, competition):
    _, _, api = make_founder(stage="b+")
    r = api.post(f"competitions/{competition.pk}/entries", {"project": "晚期项目", "summary": "x"})
    assert r.status_code == 409 and r.json()["code"] == "not_eligible"
    assert "早期" in r.json()["message"]
    assert not Entry.objects.exists()


def test_conflicted_judges_are_never_assigned_and_loads_stay_within_one(
    make_founder, make_staff, admin, competition
):
    _, admin_api = admin
    entries = _enter(make_founder, competition, 7)
    judges = _judges(make_staff, admin_api, competition, 4)
    # Judge 0 is a member of the first entrant's company: excluded automatically.
    Membership.objects.filter(user=judges[0][0]).delete()
    Membership.objects.create(user=judges[0][0], company=entries[0][1], role="employee")
    assert (
        admin_api.post(
            f"staff/competitions/{competition.pk}/judges", {"user_id": judges[0][0].pk}
        ).status_code
        == 409
    )
    from beiyang.competitions.actions import _record_automatic_conflicts

    _record_automatic_conflicts(competition)
    # Judge 1 declares a conflict with the second entry.
    assert (
        judges[1][1]
        .post(f"staff/competitions/{competition.pk}/conflicts", {"entry_id": entries[1][3]})
        .status_code
        == 201
    )
    # Judge 2 invested in the third: recorded by an admin.
    assert (
        admin_api.post(
            "staff/judge-interests",
            {"user_id": judges[2][0].pk, "company_id": entries[2][1].pk, "note": "天使投资"},
        ).status_code
        == 201
    )
    r = admin_api.post(f"staff/competitions/{competition.pk}/rounds/1/assign", {"judges_per_entry": 2})
    assert r.status_code == 200, r.content
    pairs = {(a["judge_id"], a["entry_id"]) for a in r.json()["assignments"]}
    assert (judges[0][0].pk, entries[0][3]) not in pairs
    assert (judges[1][0].pk, entries[1][3]) not in pairs
    assert (judges[2][0].pk, entries[2][3]) not in pairs
    for _, _, _, entry_id in entries:
        assert sum(1 for _, e in pairs if e == entry_id) == 2
    loads = [sum(1 for j, _ in pairs if j == user.pk) for user, _ in judges]
    assert max(loads) - min(loads) <= 1
    assert set(Conflict.objects.values_list("source", flat=True)) == {"member", "declared", "interest"}


def test_scoring_only_assigned_entries_in_an_open_round_within_the_rubric(
    make_founder, make_staff, admin, competition
):
    _, admin_api = admin
    entries = _enter(make_founder, competition, 3)
    judges = _judges(make_staff, admin_api, competition, 3)
    admin_api.post(f"staff/competitions/{competition.pk}/rounds/1/assign", {"judges_per_entry": 2})
    judge, japi = judges[0]
    mine = list(Assignment.objects.filter(judge=judge).values_list("entry_id", flat=True))
    other = next(e for *_, e in entries if e not in mine)
    sheet = {"round": 1, "scores": {"tech": 8, "market": 6}, "comment": "技术扎实"}
    r = japi.put(f"judge/entries/{mine[0]}/scores", sheet)
    assert r.status_code == 409 and r.json()["code"] == "round_not_open"  # the round has not begun
    _open_round(competition)
    assert japi.put(f"judge/entries/{other}/scores", sheet).status_code == 403
    for bad, field in [
        ({"tech": 11, "market": 6}, "scores.tech"),
        ({"tech": 8}, "scores"),
        ({"tech": 8, "market": 6, "vibes": 3}, "scores"),
        ({"tech": -1, "market": 6}, "scores.tech"),
    ]:
        r = japi.put(f"judge/entries/{mine[0]}/scores", {**sheet, "scores": bad})
        assert r.status_code == 400 and r.json()["field"] == field
    # JSON true is not a mark of 1 (it was stored as 1.0), nor a round number.
    for bad_sheet in ({**sheet, "scores": {"tech": True, "market": 6}}, {**sheet, "round": True}):
        r = japi.put(f"judge/entries/{mine[0]}/scores", bad_sheet)
        assert r.status_code == 422 and r.json()["field"] in ("scores.tech", "round"), r.content
    assert not Assignment.objects.filter(scores__isnull=False).exists()
    assert japi.put(f"judge/entries/{mine[0]}/scores", sheet).status_code == 200
    # Declaring a conflict afterwards takes the judge and their sheet off the entry.
    assert (
        japi.post(f"staff/competitions/{competition.pk}/conflicts", {"entry_id": mine[0]}).status_code == 201
    )
    assert japi.put(f"judge/entries/{mine[0]}/scores", sheet).status_code == 403
    assert not Assignment.objects.filter(judge=judge, entry_id=mine[0]).exists()


def _score_all(competition, judges, merit, harsh_judge=None, harsh_by=0.0):
    lookup = {user.pk: api for user, api in judges}
    for a in Assignment.objects.filter(round__competition=competition, scores__isnull=True).select_related(
        "round"
    ):
        value = merit[a.entry_id] - (harsh_by if a.judge_id == harsh_judge else 0.0)
        r = lookup[a.judge_id].put(
            f"judge/entries/{a.entry_id}/scores",
            {
                "round": a.round.number,
                "scores": {"tech": value, "market": value},
                "comment": f"意见{a.judge_id}",
            },
        )
        assert r.status_code == 200, r.content


def test_a_harsh_judge_does_not_sink_entries_and_the_rounds_close_in_order(
    make_founder, make_staff, admin, competition
):
    _, admin_api = admin
    entries = _enter(make_founder, competition, 6)
    judges = _judges(make_staff, admin_api, competition, 4)
    merit = {e[3]: 4.0 + i for i, e in enumerate(entries)}  # the last entrant is best
    admin_api.post(f"staff/competitions/{competition.pk}/rounds/1/assign", {"judges_per_entry": 2})
    _open_round(competition)
    harsh = judges[1][0].pk
    _score_all(competition, judges, merit, harsh_judge=harsh, harsh_by=3.0)  # 30 points of 100 harsher
    ranking = admin_api.get(f"staff/competitions/{competition.pk}/rounds/1/ranking").json()["ranking"]
    assert [r["entry_id"] for r in ranking] == sorted(merit, key=lambda e: -merit[e])
    r = admin_api.post(f"staff/competitions/{competition.pk}/rounds/1/close", {})
    assert r.status_code == 200, r.content
    best_two = sorted(merit, key=lambda e: -merit[e])[:2]
    assert sorted(r.json()["advanced"]) == sorted(best_two)
    assert set(Entry.objects.filter(status="eliminated").values_list("id", flat=True)) == set(merit) - set(
        best_two
    )
    # Every founder is told, with the score and the judges' comments, anonymised.
    told = Message.objects.filter(kind="competition", title__contains="初赛结果")
    assert told.count() == 6
    sample = told.first()
    assert (
        "校正后得分" in sample.body
        and "评委1:意见" in sample.body
        and str(harsh) not in sample.body.replace("意见", "")
    )
    assert admin_api.post(f"staff/competitions/{competition.pk}/rounds/1/close", {}).status_code == 409
    # The final: prizes recorded.
    admin_api.post(f"staff/competitions/{competition.pk}/rounds/2/assign", {"judges_per_entry": 2})
    _open_round(competition, 2)
    _score_all(competition, judges, merit)
    r = admin_api.post(f"staff/competitions/{competition.pk}/rounds/2/close", {})
    assert r.status_code == 200 and r.json()["final"]
    winner = Entry.objects.get(pk=best_two[-1] if merit[best_two[-1]] > merit[best_two[0]] else best_two[0])
    assert winner.final_rank == 1 and winner.prize_label == "一等奖" and winner.prize_fen == 50_000_000
    assert AuditEntry.objects.filter(action_type="competitions.round.closed").count() == 2


def test_a_round_with_missing_scores_closes_only_with_a_reason(make_founder, make_staff, admin, competition):
    _, admin_api = admin
    _enter(make_founder, competition, 3)
    judges = _judges(make_staff, admin_api, competition, 2)
    admin_api.post(f"staff/competitions/{competition.pk}/rounds/1/assign", {"judges_per_entry": 1})
    _open_round(competition)
    r = admin_api.post(f"staff/competitions/{competition.pk}/rounds/1/close", {})
    assert r.status_code == 409 and r.json()["code"] == "scores_missing" and r.json()["missing"] == 3
    assert not Round.objects.get(competition=competition, number=1).closed_at
    r = admin_api.post(
        f"staff/competitions/{competition.pk}/rounds/1/close", {"override_reason": "评委因病缺席"}
    )
    assert r.status_code == 200
    closed = Round.objects.get(competition=competition, number=1)
    assert closed.closed_at and closed.override_reason == "评委因病缺席"
    # Nobody scores a closed round.
    a = Assignment.objects.filter(round=closed).first()
    api = next(api for user, api in judges if user.pk == a.judge_id)
    sheet = {"round": 1, "scores": {"tech": 5, "market": 5}}
    assert api.put(f"judge/entries/{a.entry_id}/scores", sheet).status_code == 409


def test_the_deck_must_be_what_its_name_says(make_founder, competition):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _, _, api, entry_id = _enter(make_founder, competition, 1)[0]

    def upload(name, data):
        return api.client.post(
            f"/api/v1/competition-entries/{entry_id}/deck",
            {"file": SimpleUploadedFile(name, data)},
            headers={"Authorization": f"Bearer {api.token}"},
        )

    assert upload("deck.docx", b"PK\x03\x04").json()["code"] == "file_type"
    assert upload("deck.pdf", b"%PDF-1.4\n<html><script>x</script>").json()["code"] == "file_type_mismatch"
    ok = upload("deck.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\nstartxref\n0\n%%EOF\n")
    assert ok.status_code == 200 and ok.json()["has_deck"]


def test_a_tie_to_a_missing_user_or_company_is_refused_with_its_field(admin, make_founder):
    _admin_user, admin_api = admin
    user, company, _api = make_founder()
    for body, field in (
        ({"user_id": 10**9, "company_id": company.pk}, "user_id"),
        ({"user_id": user.pk, "company_id": 10**9}, "company_id"),
    ):
        r = admin_api.post("staff/judge-interests", body)
        assert r.status_code == 404 and r.json()["field"] == field, r.content


def test_a_round_cannot_close_before_it_starts_and_entries_stop_once_round_one_closed(
    make_founder, make_staff, admin, competition
):
    from beiyang.competitions.models import Entry

    _, admin_api = admin
    _enter(make_founder, competition, 3)
    _judges(make_staff, admin_api, competition, 2)
    admin_api.post(f"staff/competitions/{competition.pk}/rounds/1/assign", {"judges_per_entry": 1})
    early = admin_api.post(
        f"staff/competitions/{competition.pk}/rounds/1/close", {"override_reason": "提前结束"}
    )
    assert early.status_code == 409 and early.json()["code"] == "round_not_started", early.content
    assert not Entry.objects.filter(status="eliminated").exists()  # nobody eliminated, nobody told
    _open_round(competition)
    closed = admin_api.post(
        f"staff/competitions/{competition.pk}/rounds/1/close", {"override_reason": "评委因病缺席"}
    )
    assert closed.status_code == 200, closed.content
    # The round's start moved back to the future after it closed: entries stay closed.
    Round.objects.filter(competition=competition, number=1).update(
        starts_at=timezone.now() + dt.timedelta(days=3), ends_at=timezone.now() + dt.timedelta(days=4)
    )
    _user, _company, late = make_founder()
    r = late.post(f"competitions/{competition.pk}/entries", {"project": "迟到项目", "summary": "大模型"})
    assert r.status_code == 409 and r.json()["code"] == "entries_closed"
