import datetime as dt
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.utils import timezone

from beiyang.core.errors import Conflict
from beiyang.notifications.models import Message
from beiyang.vouchers.actions import do_expire_grants, do_expire_holds, do_issue_grant
from beiyang.vouchers.models import Account, Grant, Redemption, Transfer
from beiyang.vouchers.queries import reconcile

pytestmark = pytest.mark.django_db(transaction=True)


def body(company, **extra):
    return {
        "company_credit_code": company.credit_code,
        "kind": "compute",
        "invoice_no": "INV-1",
        "invoice_amount_cny": "12000.00",
        "contract_no": "C-1",
        **extra,
    }


def redeem(api, payload, key="k-1", hold=False):
    return api.post(
        f"provider/redemptions{'?hold=true' if hold else ''}", payload, headers={"Idempotency-Key": key}
    )


def test_grant_splits_city_and_district_and_tells_the_founder(granted):
    user, _company, client, grant = granted
    assert (grant.city_fen, grant.district_fen) == (50_000_00, 50_000_00)
    mine = client.get("me/vouchers").json()
    assert mine["grants"][0]["balance_cny"] == "100000.00"
    assert Message.objects.filter(user=user, kind="voucher", title__contains="算力券").exists()
    assert reconcile()["balanced"]


def test_the_shared_ceiling_refuses_more(funded, founder):
    _user, company, _client = founder
    do_issue_grant(company=company, kind="compute", amount_fen=600_000_00)
    do_issue_grant(company=company, kind="model", amount_fen=400_000_00)
    with pytest.raises(Conflict) as err:
        do_issue_grant(company=company, kind="corpus", amount_fen=1_00)
    assert err.value.code == "over_ceiling"
    # The engine sees what was granted: no voucher is left to apply for this year.
    assert _client.get("me/benefits").json()["results"][-1]["status"] == "ineligible"


def test_grants_follow_the_pack_rules(funded, make_founder):
    _u, outside, _c = make_founder(district="长宁")
    with pytest.raises(Conflict) as err:
        do_issue_grant(company=outside, kind="compute", amount_fen=1000_00)
    assert err.value.code == "not_eligible"
    assert Grant.objects.count() == 0


def test_redeem_one_phase(granted, provider):
    user, company, client, _grant = granted
    _provider, api = provider
    resp = redeem(api, body(company))
    assert resp.status_code == 201, resp.json()
    out = resp.json()
    assert (
        out["subsidy_cny"] == "6000.00" and out["city_cny"] == "3000.00" and out["district_cny"] == "3000.00"
    )
    assert out["grant_balance_cny"] == "94000.00"
    assert client.get("me/vouchers").json()["grants"][0]["balance_cny"] == "94000.00"
    assert Message.objects.filter(user=user, title__startswith="算力券抵扣6,000").exists()
    assert reconcile()["balanced"]


def test_idempotency(granted, provider):
    _u, company, _c, _g = granted
    _provider, api = provider
    first = redeem(api, body(company))
    again = redeem(api, body(company))
    assert again.status_code == 200 and again.json()["redemption_id"] == first.json()["redemption_id"]
    other = redeem(api, body(company, invoice_amount_cny="1.00"))
    assert other.status_code == 409 and other.json()["code"] == "idempotency_conflict"
    assert Redemption.objects.count() == 1 and Transfer.objects.filter(code="redeem").count() == 1


def test_the_same_invoice_or_contract_twice(granted, provider):
    _u, company, _c, _g = granted
    _provider, api = provider
    redeem(api, body(company))
    same_invoice = redeem(api, body(company, contract_no="C-2"), key="k-2")
    same_contract = redeem(api, body(company, invoice_no="INV-2"), key="k-3")
    assert same_invoice.status_code == 409 and same_invoice.json()["code"] == "already_redeemed"
    assert same_contract.status_code == 409
    assert Redemption.objects.count() == 1


def test_subsidy_is_capped_by_the_balance_then_refused(granted, provider):
    _u, company, _c, _g = granted
    _provider, api = provider
    big = redeem(api, body(company, invoice_amount_cny="500000"))
    assert big.json()["subsidy_cny"] == "100000.00" and big.json()["grant_balance_cny"] == "0.00"
    empty = redeem(api, body(company, invoice_no="INV-2", contract_no="C-2"), key="k-2")
    assert empty.status_code == 409 and empty.json()["code"] == "insufficient_balance"


def test_hold_capture_void_and_timeout(granted, provider):
    _u, company, client, _g = granted
    _provider, api = provider
    held = redeem(api, body(company), hold=True).json()
    assert held["status"] == "held" and held["grant_balance_cny"] == "94000.00" and held["hold_expires_at"]
    captured = api.post(f"provider/redemptions/{held['redemption_id']}/capture").json()
    assert captured["status"] == "posted"
    assert api.post(f"provider/redemptions/{held['redemption_id']}/void").json()["code"] == "not_held"
    second = redeem(api, body(company, invoice_no="INV-2", contract_no="C-2"), key="k-2", hold=True).json()
    assert (
        api.post(f"provider/redemptions/{second['redemption_id']}/void").json()["grant_balance_cny"]
        == "94000.00"
    )
    third = redeem(api, body(company, invoice_no="INV-3", contract_no="C-3"), key="k-3", hold=True).json()
    assert do_expire_holds(now=timezone.now() + dt.timedelta(hours=1)) == 1
    assert Redemption.objects.get(pk=third["redemption_id"]).status == "expired"
    assert client.get("me/vouchers").json()["grants"][0]["balance_cny"] == "94000.00"
    assert reconcile()["balanced"]


def test_reverse_is_a_new_transfer(granted, provider):
    _u, company, _c, _g = granted
    _provider, api = provider
    posted = redeem(api, body(company)).json()
    reversed_ = api.post(f"provider/redemptions/{posted['redemption_id']}/reverse").json()
    assert reversed_["status"] == "reversed" and reversed_["grant_balance_cny"] == "100000.00"
    assert (
        Transfer.objects.filter(code="reverse").count() == 1
        and Transfer.objects.filter(code="redeem").count() == 1
    )
    # The invoice can be redeemed again after the refund.
    assert redeem(api, body(company), key="k-again").status_code == 201
    assert reconcile()["balanced"]


@pytest.mark.parametrize(
    ("payload", "headers", "status", "code"),
    [
        ({"invoice_amount_cny": "-5"}, None, 400, "invalid_amount"),
        ({"invoice_amount_cny": "0"}, None, 400, "invalid_amount"),
        ({"invoice_amount_cny": "abc"}, None, 400, "invalid_amount"),
        ({"invoice_amount_cny": [1]}, None, 422, "validation_error"),
        ({"invoice_amount_cny": "1e400"}, None, 400, "invalid_amount"),
        ({"company_credit_code": "91310104MA1FL4XB4C"}, None, 400, "invalid_credit_code"),
        ({"kind": "corpus"}, None, 403, "kind_not_accepted"),
        ({"invoice_no": ""}, None, 400, "invalid"),
        ({}, {"Idempotency-Key": ""}, 400, "idempotency_key_required"),
        ({"surprise": 1}, None, 422, "validation_error"),
    ],
)
def test_bad_redemptions_write_nothing(granted, provider, payload, headers, status, code):
    _u, company, _c, _g = granted
    _provider, api = provider
    resp = api.post(
        "provider/redemptions", body(company, **payload), headers=headers or {"Idempotency-Key": "x"}
    )
    assert resp.status_code == status and resp.json()["code"] == code, resp.json()
    assert Redemption.objects.count() == 0 and Transfer.objects.filter(code="redeem").count() == 0


def test_unknown_company_related_party_expired_and_revoked_key(granted, provider, make_founder):
    from conftest import Api

    from beiyang.accounts.actions import do_create_provider, do_revoke_provider_keys
    from beiyang.companies.tests.factories import next_credit_code

    _u, company, _c, grant = granted
    prov, api = provider
    assert (
        redeem(api, body(company, company_credit_code=next_credit_code())).json()["code"] == "unknown_company"
    )
    _related, key = do_create_provider(
        name="关联方", kinds=["compute"], related_credit_codes=[company.credit_code]
    )
    rel_api = Api()
    rel_api.client.defaults["HTTP_X_API_KEY"] = key
    assert redeem(rel_api, body(company)).json()["code"] == "related_party"
    Grant.objects.filter(pk=grant.pk).update(valid_until=timezone.localdate() - dt.timedelta(days=1))
    assert redeem(api, body(company)).json()["code"] == "grant_expired"
    do_revoke_provider_keys(prov)
    assert redeem(api, body(company)).status_code == 401


def test_expiry_returns_what_is_left(granted, provider):
    _u, company, _c, grant = granted
    _provider, api = provider
    redeem(api, body(company))
    assert do_expire_grants(today=grant.valid_until + dt.timedelta(days=1)) == 1
    assert Account.objects.get(code="expired").credits_posted == 94_000_00
    assert reconcile()["balanced"]


def test_statement_and_staff_report(granted, provider, make_staff):
    _u, company, _c, _g = granted
    _provider, api = provider
    redeem(api, body(company))
    period = timezone.localdate().strftime("%Y-%m")
    csv_text = api.get(f"provider/statements/{period}").content.decode("utf-8-sig")
    assert "INV-1" in csv_text and company.name in csv_text
    book = openpyxl.load_workbook(io.BytesIO(api.get(f"provider/statements/{period}?format=xlsx").content))
    assert book.active.max_row == 2
    assert api.get("provider/statements/2026-13").status_code == 400
    _officer, officer = make_staff("voucher_officer")
    report = officer.get("staff/vouchers/report").json()
    assert report["reconciliation"]["balanced"] and report["pools"][0]["left_cny"]
    _reviewer, reviewer = make_staff("reviewer")
    assert reviewer.get("staff/vouchers/report").status_code == 403


def test_commands(funded, founder, capsys):
    _user, company, _client = founder
    call_command("grant", "--company", company.credit_code, "--kind", "corpus", "--amount-cny", "50000")
    assert "corpus" in capsys.readouterr().out
    call_command("reconcile")
    assert "books balance" in capsys.readouterr().out
    grants = Account.objects.filter(code__startswith="grant:")
    kept = dict(grants.values_list("pk", "credits_posted"))
    grants.update(credits_posted=1)
    with pytest.raises(SystemExit):
        call_command("reconcile")
    for pk, credits in kept.items():  # the books put right, as the suite's end checks them
        Account.objects.filter(pk=pk).update(credits_posted=credits)
    call_command("reconcile")


def test_a_batch_answers_each_request_as_if_alone(granted, provider):
    """Requests settled together (group commit) get the answers they would get one by one:
    a repeated key replays, a bad company or a reused invoice is refused, the balance caps
    the later ones; the books balance and each accepted one tells the founder."""
    from beiyang.companies.tests.factories import next_credit_code
    from beiyang.core.errors import NotFound
    from beiyang.core.models import AuditEntry
    from beiyang.vouchers import actions

    user, company, _client, grant = granted
    provider_, _api = provider

    def request(key, **extra):
        data = actions._clean_redemption(body(company, **extra))
        return actions._Request(provider_, data, key, actions._request_hash(data, False), False)

    outcomes = actions._redemptions.settle(
        [
            request("a"),
            request("a"),  # the same request twice
            request("b", company_credit_code=next_credit_code(), invoice_no="INV-9"),  # nobody's
            request("c", contract_no="C-9"),  # INV-1 again
            request("d", invoice_no="INV-2", contract_no="C-2", invoice_amount_cny="500000"),
            request("e", invoice_no="INV-3", contract_no="C-3"),
        ]
    )
    first, created = outcomes[0]
    assert created and first.subsidy_fen == 6_000_00
    assert outcomes[1] == (first, False)
    assert isinstance(outcomes[2], NotFound) and outcomes[2].code == "unknown_company"
    assert isinstance(outcomes[3], Conflict) and outcomes[3].code == "already_redeemed"
    capped, created = outcomes[4]
    assert created and capped.subsidy_fen == 94_000_00
    assert isinstance(outcomes[5], Conflict) and outcomes[5].code == "insufficient_balance"
    assert Account.objects.get(pk=grant.account_id).balance_fen == 0
    assert Redemption.objects.count() == 2 and reconcile()["balanced"]
    assert AuditEntry.objects.filter(action_type="vouchers.redemption.posted").count() == 2
    told = Message.objects.filter(user=user, title__contains="抵扣").order_by("id")
    assert [m.body.rsplit("余额", 1)[1] for m in told] == ["9.4万元。", "0元。"]


def test_a_founder_cannot_change_the_code_a_related_provider_was_refused_for(granted):
    """The credit code is what providers redeem against: once a grant exists it stays put, so a
    related party refused for the company cannot be paid after the founder switches codes."""
    from conftest import Api

    from beiyang.accounts.actions import do_create_provider
    from beiyang.companies.tests.factories import next_credit_code

    _u, company, client, _grant = granted
    _related, key = do_create_provider(
        name="关联方", kinds=["compute"], related_credit_codes=[company.credit_code]
    )
    related = Api()
    related.client.defaults["HTTP_X_API_KEY"] = key
    assert redeem(related, body(company)).json()["code"] == "related_party"
    fresh = next_credit_code()
    switched = client.put("me/company", {"credit_code": fresh})
    assert switched.status_code == 409 and switched.json()["code"] == "credit_code_frozen", switched.json()
    resp = redeem(related, body(company, company_credit_code=fresh), key="k-2")
    assert resp.status_code != 201 and Redemption.objects.count() == 0


def test_statement_writes_no_formula(granted, provider):
    from beiyang.core.tests.spreadsheets import assert_inert

    _u, company, _c, _g = granted
    company.name = '=HYPERLINK("http://evil.example","点我")'
    company.save()
    _provider, api = provider
    assert redeem(api, body(company, invoice_no="=1+cmd|' /C calc'!A0")).status_code == 201
    url = f"provider/statements/{timezone.localdate():%Y-%m}?format="
    assert_inert(api.get(url + "csv"), api.get(url + "xlsx"), company.name, "=1+cmd|' /C calc'!A0")


HUGE = "111111111111111111111111111.001"  # more significant digits than Decimal's context holds


def test_huge_amounts_are_refused_with_a_4xx(granted, provider, make_staff):
    from conftest import assert_api_error

    _u, company, _c, _g = granted
    _provider, api = provider
    body_ = assert_api_error(redeem(api, body(company, invoice_amount_cny=HUGE)), 400)
    assert body_["field"] == "invoice_amount_cny"
    _o, officer = make_staff("voucher_officer")
    for amount in (HUGE, float("1e300")):
        resp = officer.post(
            "staff/vouchers/grants",
            {"company_credit_code": company.credit_code, "kind": "compute", "amount_cny": amount},
        )
        assert assert_api_error(resp, 400)["code"] == "invalid_amount"
    assert Redemption.objects.count() == 0 and Grant.objects.count() == 1
