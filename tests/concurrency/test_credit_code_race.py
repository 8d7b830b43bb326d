"""A credit code belongs to one company even when founders claim it at the same moment: one
wins, the others get the API's 409, none a 500 (the unique constraint is the guard; the
check before it only gives the common case a friendly answer)."""

from functools import partial

import pytest

from beiyang.companies.models import Company
from beiyang.companies.tests.factories import next_credit_code
from beiyang.core.tests.threads import all_at_once

pytestmark = pytest.mark.django_db(transaction=True)
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
