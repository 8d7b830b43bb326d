import pytest

from beiyang.companies.models import Company, Membership
from beiyang.companies.tests.factories import CompanyFactory, next_credit_code
from beiyang.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_create_then_edit_my_company(make_founder):
    user, _none, client = make_founder(with_company=False)
    assert client.get("me/company").status_code == 404
    code = next_credit_code()
    resp = client.put(
        "me/company",
        {
            "name": "模速智能",
            "credit_code": code.lower(),
            "district": "徐汇区",
            "founded_on": "2025-03-01",
            "stage": "Pre-A",
            "sectors": ["LLM", "agent"],
            "programmes": ["young-plan"],
            "headcount": 5,
        },
    )
    assert resp.status_code == 200, resp.json()
    body = resp.json()
    assert body["credit_code"] == code and body["district"] == "徐汇" and body["stage"] == "pre-a"
    assert body["sectors"] == ["agent", "llm"] and body["members"][0]["user_id"] == user.pk
    resp = client.put("me/company", {"district": "浦东新区", "headcount": 9})
    assert resp.json()["district"] == "浦东" and resp.json()["headcount"] == 9
    assert AuditEntry.objects.filter(action_type="companies.company.updated").count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"credit_code": "91310104MA1FL4XB4C"}, "credit_code"),
        ({"district": "朝阳区"}, "district"),
        ({"stage": "series-z"}, "stage"),
        ({"sectors": ["knitting"]}, "sectors"),
        ({"headcount": -1}, "headcount"),
        ({"founded_on": "2999-01-01"}, "founded_on"),
        ({"ceo": "x"}, "ceo"),
    ],
)
def test_bad_company_fields(founder, body, field):
    _user, company, client = founder
    before = Company.objects.values().get(pk=company.pk)
    resp = client.put("me/company", body)
    assert 400 <= resp.status_code < 500 and resp.json()["field"] == field
    assert Company.objects.values().get(pk=company.pk) == before


def test_creating_needs_the_key_fields(make_founder):
    _user, _none, client = make_founder(with_company=False)
    resp = client.put("me/company", {"name": "x"})
    assert resp.status_code == 400 and resp.json()["field"] in ("credit_code", "district")
    assert Company.objects.count() == 0 and Membership.objects.count() == 0


def test_a_credit_code_belongs_to_one_company(founder, make_founder):
    _user, company, _client = founder
    _other, _none, other_client = make_founder(with_company=False)
    resp = other_client.put(
        "me/company", {"name": "抢注", "credit_code": company.credit_code, "district": "徐汇"}
    )
    assert resp.status_code == 409 and resp.json()["field"] == "credit_code"


def test_another_founders_company_is_not_found(founder, make_founder):
    _user, company, _client = founder
    _other, _their_company, other_client = make_founder()
    assert other_client.get(f"companies/{company.pk}").status_code == 404
    assert other_client.put(f"companies/{company.pk}", {"name": "hijack"}).status_code == 404
    assert Company.objects.get(pk=company.pk).name != "hijack"


def test_staff_can_read_but_only_town_admin_can_edit(founder, make_staff):
    _user, company, _client = founder
    _reviewer, reviewer = make_staff("reviewer")
    assert reviewer.get(f"companies/{company.pk}").status_code == 200
    assert reviewer.put(f"companies/{company.pk}", {"headcount": 99}).status_code == 403
    _admin, admin = make_staff("town_admin")
    assert admin.put(f"companies/{company.pk}", {"headcount": 99}).json()["headcount"] == 99


def test_the_credit_code_is_free_to_change_until_the_company_applies(founder):
    _user, company, client = founder
    first = next_credit_code()
    assert client.put("me/company", {"credit_code": first}).json()["credit_code"] == first
    assert client.post("applications", {"policy": "startup-capital"}).status_code == 201
    resp = client.put("me/company", {"credit_code": next_credit_code(), "headcount": 3})
    assert resp.status_code == 409 and resp.json()["code"] == "credit_code_frozen"
    assert resp.json()["field"] == "credit_code" and "管理员" in resp.json()["message"]
    assert Company.objects.get(pk=company.pk).credit_code == first
    # The same code again (the company page always sends it) is no change.
    assert client.put("me/company", {"credit_code": first, "headcount": 3}).status_code == 200
    assert client.put(f"companies/{company.pk}", {"credit_code": next_credit_code()}).status_code == 409


def test_a_town_admin_corrects_a_frozen_code_with_an_audit_entry(founder, make_staff):
    from beiyang.applications.models import Application

    _user, company, client = founder
    client.post("applications", {"policy": "startup-capital"})
    assert Application.objects.filter(company=company).exists()
    _admin, admin_api = make_staff("town_admin")
    frozen = admin_api.put(f"companies/{company.pk}", {"credit_code": next_credit_code()})
    assert frozen.status_code == 409 and frozen.json()["code"] == "credit_code_frozen"
    _r, reviewer_api = make_staff("reviewer")
    corrected = next_credit_code()
    url = f"staff/companies/{company.pk}/credit-code"
    assert reviewer_api.post(url, {"credit_code": corrected, "reason": "工商变更"}).status_code == 403
    assert admin_api.post(url, {"credit_code": corrected, "reason": ""}).json()["field"] == "reason"
    resp = admin_api.post(url, {"credit_code": corrected, "reason": "营业执照更正"})
    assert resp.status_code == 200 and resp.json()["credit_code"] == corrected
    entry = AuditEntry.objects.get(action_type="companies.company.credit_code_corrected")
    assert entry.before == {"credit_code": company.credit_code} and entry.after == {"credit_code": corrected}
    assert entry.data["reason"] == "营业执照更正"
    other = CompanyFactory()
    taken = admin_api.post(url, {"credit_code": other.credit_code, "reason": "x"})
    assert taken.status_code == 409 and taken.json()["code"] == "company_exists"


def test_another_companys_code_cannot_be_claimed_by_an_edit(founder, make_founder):
    _user, company, _client = founder
    _other, _theirs, other_client = make_founder()
    resp = other_client.put("me/company", {"credit_code": company.credit_code})
    assert resp.status_code == 409 and resp.json()["code"] == "company_exists"


def test_a_founder_cannot_use_the_staff_correction(founder):
    _user, company, client = founder
    resp = client.post(
        f"staff/companies/{company.pk}/credit-code", {"credit_code": next_credit_code(), "reason": "x"}
    )
    assert resp.status_code == 403 and Company.objects.get(pk=company.pk).credit_code == company.credit_code
