"""A credit code belongs to one company even when founders claim it at the same moment: one
wins, the others get the API's 409, none a 500 (the unique constraint is the guard; the
check before it only gives the common case a friendly answer)."""

import threading
from functools import partial

import pytest

from beiyang.companies.models import Company
from beiyang.companies.tests.factories import next_credit_code
from beiyang.core.tests.threads import all_at_once

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]  # threads racing on the database
PEOPLE = 8


@pytest.mark.parametrize("check_first", [True, False], ids=["checked", "check-raced"])
@pytest.mark.parametrize("with_company", [False, True], ids=["create", "edit"])
def test_founders_claiming_one_code_at_once(make_founder, monkeypatch, with_company, check_first):
    if not check_first:
        # Every claim passes the friendly check, as when all read before any writes (SQLite
        # serialises writers, so without this the race shows only on PostgreSQL).
        monkeypatch.setattr("beiyang.companies.actions._code_taken", lambda *a, **k: False)
    clients = [make_founder(with_company=with_company)[2] for _ in range(PEOPLE)]
    for c in clients:
        c.client.raise_request_exception = False
    code = next_credit_code()
    body = {"name": "抢注", "credit_code": code, "district": "徐汇"}
    answers = all_at_once([partial(client.put, "me/company", body) for client in clients])
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] + [409] * (PEOPLE - 1), statuses
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"company_exists"}
    assert Company.objects.filter(credit_code=code).count() == 1


def test_an_application_started_while_the_code_changes_freezes_it(make_founder, monkeypatch):
    """The founder edits the credit code while (another tab, a colleague) an application starts.
    The edit checks "nothing hangs on the code yet" and then writes; an application committed in
    between would be left pointing at a code that changed after it was filed. The slow check
    holds that window open; the company row lock makes the two wait for each other instead."""
    import time

    from beiyang.applications.models import Application
    from beiyang.companies import actions as company_actions
    from beiyang.core.models import AuditEntry

    checked = company_actions.credit_code_frozen
    edit_checked = threading.Event()

    def slow_check(company):
        frozen = checked(company)
        edit_checked.set()
        time.sleep(0.5)  # the window between the check and the write, held open
        return frozen

    monkeypatch.setattr(company_actions, "credit_code_frozen", slow_check)
    _user, company, client = make_founder(district="徐汇")
    client.client.raise_request_exception = False
    old_code = company.credit_code
    new_code = next_credit_code()

    def start():
        edit_checked.wait(timeout=30)  # after the edit has checked
        return client.post("applications", {"policy": "startup-capital"})

    edit, started = all_at_once(
        [partial(client.put, "me/company", {"name": company.name, "credit_code": new_code}), start]
    )
    assert started.status_code == 201, started.content
    assert edit.status_code in (200, 409), edit.content
    company.refresh_from_db()
    application = Application.objects.get()
    if company.credit_code == old_code:
        assert edit.status_code == 409 and edit.json()["code"] == "credit_code_frozen"
    else:
        # The code changed, so it must have changed before the application existed.
        changed = AuditEntry.objects.get(action_type="companies.company.updated")
        created = AuditEntry.objects.get(action_type="applications.application.created")
        assert changed.pk < created.pk and application.company_id == company.pk
