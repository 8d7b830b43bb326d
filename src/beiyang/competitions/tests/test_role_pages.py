"""Issue 26 on the competition's pages: the deck a judge scores, a round started from the
admin's page, and the benefit card that leads to the entry form."""

from __future__ import annotations

import re

from conftest import page_client
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from beiyang.competitions import actions
from beiyang.competitions.models import Assignment, Round
from beiyang.demo import demo_pdf


def _entry_with_deck(make_founder, competition):
    user, _company, _api = make_founder()
    entry = actions.do_enter(user, competition.pk, project="智能体助手", summary="面向园区企业")
    actions.do_upload_deck(user, entry.pk, SimpleUploadedFile("deck.pdf", demo_pdf("deck")))
    return user, entry


def test_the_assigned_judge_opens_the_deck_and_no_one_else(make_founder, make_staff, admin, competition):
    admin_user, _ = admin
    entrant, entry = _entry_with_deck(make_founder, competition)
    judge, _ = make_staff("judge")
    other_judge, _ = make_staff("judge")
    for j in (judge, other_judge):
        actions.do_add_judge(admin_user, competition.pk, j.pk)
    actions.check_start_round(admin_user, competition.pk, 1)
    actions.check_assign_round(admin_user, competition.pk, 1, judges_per_entry=1)
    assigned = Assignment.objects.get(entry=entry).judge
    unassigned = other_judge if assigned == judge else judge
    url = f"/competitions/entries/{entry.pk}/deck/"
    response = page_client(assigned).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    sheet = page_client(assigned).get("/judge/").content.decode()
    assert url in sheet and "查看路演材料" in sheet
    assert page_client(unassigned).get(url).status_code == 404
    assert page_client(make_founder()[0]).get(url).status_code == 404
    assert page_client(entrant).get(url).status_code == 200
    # A judge who declares a conflict no longer sees it.
    actions.do_declare_conflict(assigned, competition.pk, entry.pk)
    assert page_client(assigned).get(url).status_code == 404


def test_the_admin_starts_a_round_from_the_page(make_founder, admin, competition):
    admin_user, _ = admin
    _entry_with_deck(make_founder, competition)
    client = page_client(admin_user)
    page = client.get(f"/staff/competitions/{competition.pk}/").content.decode()
    assert "现在开始评审" in page
    client.post(f"/staff/competitions/{competition.pk}/", {"do": "start", "round": "1"})
    first = Round.objects.get(competition=competition, number=1)
    assert first.starts_at <= timezone.now()
    # Entries are closed now: the founder's page says so.
    late, _c, _a = make_founder()
    assert "报名已截止" in page_client(late).get(f"/competitions/{competition.pk}/").content.decode()
    # The second round cannot start before the first has closed.
    client.post(f"/staff/competitions/{competition.pk}/", {"do": "start", "round": "2"})
    assert Round.objects.get(competition=competition, number=2).starts_at > first.starts_at


def test_the_competition_card_leads_to_the_entry_form(founder, competition):
    user, _company, _api = founder
    page = page_client(user).get("/benefits/").content.decode()
    card = page.split('id="benefit-hkust-competition"')[1].split("</article>")[0]
    assert f'href="/competitions/{competition.pk}/"' in card and "报名参赛" in card
    assert 'action="/applications/"' not in card


def test_the_admin_invites_a_judge_who_has_no_account(
    admin, competition, make_founder, django_capture_on_commit_callbacks
):
    from beiyang.accounts import sms
    from beiyang.accounts.actions import do_request_sms_code
    from beiyang.accounts.roles import has_role

    admin_user, _ = admin
    client = page_client(admin_user)
    client.post(
        f"/staff/competitions/{competition.pk}/", {"do": "judge", "phone": "13912340001", "name": "黄教授"}
    )
    judge = competition.judges.get().user
    assert judge.phone == "13912340001" and judge.name == "黄教授" and has_role(judge, "judge")
    assert not judge.has_usable_password()
    # The invited judge signs in with a code sent to that phone and lands on the workspace.
    with django_capture_on_commit_callbacks(execute=True):
        do_request_sms_code("13912340001")
    code = re.search(r"验证码是(\d{6})", sms.outbox[-1]["text"]).group(1)
    signed_in = page_client().post("/login/", {"mode": "sms", "phone": "13912340001", "code": code})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/staff/"
    # A registered number is not invited (nor made a judge): the admin grants the role instead.
    registered = make_founder()[0]
    client.post(f"/staff/competitions/{competition.pk}/", {"do": "judge", "phone": registered.phone})
    registered.refresh_from_db()
    assert not registered.is_staff
    assert competition.judges.count() == 1
