"""The voucher officer's desk and a provider's portal, through the pages (issue 26)."""

from __future__ import annotations

import pytest
from conftest import page_client
from django.utils import timezone

from beiyang.accounts.actions import do_add_provider_member
from beiyang.accounts.tests.factories import UserFactory
from beiyang.core.errors import Conflict
from beiyang.core.tests.threads import all_at_once
from beiyang.notifications.models import Message
from beiyang.vouchers.actions import check_redeem, do_reduce_grant, do_revoke_grant
from beiyang.vouchers.models import Account, Grant, Redemption
from beiyang.vouchers.queries import ceiling_left_fen, pool_report, reconcile

pytestmark = pytest.mark.django_db(transaction=True)


def _redeem_body(company, **extra):
    return {
        "company_credit_code": company.credit_code,
        "kind": "compute",
        "invoice_no": "INV-1",
        "contract_no": "C-1",
        "invoice_amount_cny": "12000",
        **extra,
    }


def test_officer_sees_pools_finds_a_company_and_issues_a_grant(funded, founder, make_staff):
    _user, company, _api = founder
    officer, _ = make_staff("voucher_officer")
    client = page_client(officer)
    desk = client.get("/staff/vouchers/", {"q": company.credit_code[:10]})
    assert desk.status_code == 200
    text = desk.content.decode()
    assert "市级算力券" in text and company.name in text and "本年度内不会用完" in text
    page = client.get(f"/staff/vouchers/companies/{company.pk}/")
    assert "本年度市区两级合计上限剩余:100万元" in page.content.decode()
    resp = client.post(
        f"/staff/vouchers/companies/{company.pk}/", {"do": "issue", "kind": "model", "amount_cny": "200000"}
    )
    assert resp.status_code == 302
    grant = Grant.objects.get(company=company)
    assert (grant.kind, grant.amount_fen) == ("model", 200_000_00)
    assert ceiling_left_fen(company) == 800_000_00
    # Over the shared ceiling: refused in words on the page, nothing written.
    client.post(
        f"/staff/vouchers/companies/{company.pk}/", {"do": "issue", "kind": "compute", "amount_cny": "900000"}
    )
    shown = client.get(f"/staff/vouchers/companies/{company.pk}/").content.decode()
    assert "超出市区两级合计上限" in shown
    assert Grant.objects.filter(company=company).count() == 1


def test_other_roles_cannot_open_the_desk(funded, founder, make_staff):
    _user, company, _api = founder
    reviewer, _ = make_staff("reviewer")
    assert page_client(reviewer).get("/staff/vouchers/").status_code == 403
    assert page_client(founder[0]).get(f"/staff/vouchers/companies/{company.pk}/").status_code == 403


def test_lowering_a_grant_returns_the_difference_and_frees_the_ceiling(granted, provider, make_staff):
    user, company, _c, grant = granted
    prov, _api = provider
    officer, _ = make_staff("voucher_officer")
    check_redeem(prov, _redeem_body(company), idempotency_key="r1")  # spends 12,000 × rate
    spent = grant.amount_fen - Account.objects.get(pk=grant.account_id).balance_fen
    client = page_client(officer)
    # Below what was spent: refused.
    client.post(
        f"/staff/vouchers/companies/{company.pk}/",
        {"do": "reduce", "grant_id": grant.pk, "amount_cny": "1", "reason": "核减"},
    )
    assert Grant.objects.get(pk=grant.pk).amount_fen == 100_000_00
    client.post(
        f"/staff/vouchers/companies/{company.pk}/",
        {"do": "reduce", "grant_id": grant.pk, "amount_cny": "60000", "reason": "合同金额核减"},
    )
    grant.refresh_from_db()
    assert grant.amount_fen == 60_000_00 and grant.city_fen + grant.district_fen == 60_000_00
    assert Account.objects.get(pk=grant.account_id).balance_fen == 60_000_00 - spent
    assert ceiling_left_fen(company) == 940_000_00
    assert Message.objects.filter(user=user, title__contains="调整为").exists()
    assert reconcile()["balanced"]
    # The pool's budget is what was funded, not funded plus what came back.
    compute_city = next(p for p in pool_report() if p["kind"] == "compute" and p["source"] == "city")
    assert compute_city["budget_cny"] == 10_000_000
    assert compute_city["granted_cny"] == 30_000


def test_revoking_returns_what_is_left_and_stops_redemptions(granted, provider, make_staff):
    user, company, _c, grant = granted
    prov, _api = provider
    officer, _ = make_staff("voucher_officer")
    client = page_client(officer)
    resp = client.post(f"/staff/vouchers/companies/{company.pk}/", {"do": "revoke", "grant_id": grant.pk})
    assert resp.status_code == 302 and Grant.objects.get(pk=grant.pk).status == Grant.ACTIVE  # no reason
    client.post(
        f"/staff/vouchers/companies/{company.pk}/",
        {"do": "revoke", "grant_id": grant.pk, "reason": "企业迁出"},
    )
    grant.refresh_from_db()
    assert grant.status == Grant.REVOKED
    assert Account.objects.get(pk=grant.account_id).balance_fen == 0
    assert Message.objects.filter(user=user, title__contains="已撤销").exists()
    with pytest.raises(Conflict):
        check_redeem(prov, _redeem_body(company), idempotency_key="after-revoke")
    with pytest.raises(Conflict):
        do_revoke_grant(officer, grant.pk, reason="again")
    assert reconcile()["balanced"]


def test_a_revoke_and_redemptions_at_once_never_overdraw(granted, provider, make_staff):
    """Redemptions racing a revoke: each either lands before it (and is kept) or is refused;
    what the revoke returns is exactly what was left, and the books balance."""
    _u, company, _c, grant = granted
    prov, _api = provider
    officer, _ = make_staff("voucher_officer")
    calls = [
        lambda i=i: check_redeem(
            prov, _redeem_body(company, invoice_no=f"INV-{i}", contract_no=f"C-{i}"), idempotency_key=f"k{i}"
        )
        for i in range(4)
    ]
    calls.append(lambda: do_revoke_grant(officer, grant.pk, reason="并发撤销"))
    results = all_at_once(calls)
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, Conflict)]
    assert not unexpected, unexpected
    grant.refresh_from_db()
    account = Account.objects.get(pk=grant.account_id)
    kept = sum(r.subsidy_fen for r in Redemption.objects.filter(grant=grant, status=Redemption.POSTED))
    assert account.balance_fen >= 0
    if grant.status == Grant.REVOKED:
        assert account.balance_fen == 0
    assert account.credits_posted - account.debits_posted == account.balance_fen
    assert kept <= grant.amount_fen
    assert reconcile()["balanced"]


def test_a_provider_user_lands_on_the_portal_redeems_and_reads_the_statement(granted, provider):
    _u, company, _c, _grant = granted
    prov, _api = provider
    person = UserFactory()
    do_add_provider_member(prov, person)
    client = page_client()
    signed_in = client.post("/login/", {"phone": person.phone, "password": "Str0ng-pass-1"})
    assert signed_in["Location"] == "/provider/"
    page = client.get("/provider/")
    key = page.context["form_key"]
    form = {
        "do": "redeem",
        "form_key": key,
        "company_credit_code": company.credit_code,
        "kind": "compute",
        "invoice_no": "FP-2026-001",
        "contract_no": "HT-9",
        "invoice_amount_cny": "10000",
        "hold": "on",
    }
    refused = client.post("/provider/", {**form, "company_credit_code": "91310104MA1FL0000X"})
    assert refused.status_code == 400 and "FP-2026-001" in refused.content.decode()  # kept as typed
    assert client.post("/provider/", form).status_code == 302
    assert client.post("/provider/", form).status_code == 302  # the same form twice: one hold
    held = Redemption.objects.get(provider=prov)
    assert held.status == Redemption.HELD
    shown = client.get("/provider/").content.decode()
    assert "待确认的冻结" in shown and "FP-2026-001" in shown and "冻结中" in shown
    client.post("/provider/", {"do": "capture", "redemption_id": held.pk})
    client.post("/provider/", {"do": "reverse", "redemption_id": held.pk})
    held.refresh_from_db()
    assert held.status == Redemption.REVERSED
    statement = client.get("/provider/statement/").content.decode()
    assert "已冲回" in statement and "FP-2026-001" in statement
    assert "posted" not in statement and "compute" not in statement
    csv_text = client.get("/provider/statement/", {"export": "csv"}).content.decode("utf-8-sig")
    local = timezone.localtime(held.created_at).strftime("%Y-%m-%d %H:%M")
    assert local in csv_text and "算力券" in csv_text and "已冲回" in csv_text
    assert ",compute," not in csv_text and ",reversed" not in csv_text
    # Another provider's redemption is not this portal's to touch.
    assert client.get("/provider/statement/", {"period": "2026-13"}).status_code == 302


def test_the_portal_is_only_for_a_providers_people(granted, provider, make_staff):
    founder_user = granted[0]
    assert page_client(founder_user).get("/provider/").status_code == 403
    officer, _ = make_staff("voucher_officer")
    with pytest.raises(Conflict):
        do_add_provider_member(provider[0], officer)
    assert page_client(officer).get("/provider/statement/").status_code == 403


def test_the_portal_statement_export_quotes_formulas(granted, provider):
    from beiyang.core.tests.spreadsheets import assert_inert

    _u, company, _c, _g = granted
    company.name = '=HYPERLINK("http://evil.example","点我")'
    company.save()
    prov, _api = provider
    person = UserFactory()
    do_add_provider_member(prov, person)
    check_redeem(prov, _redeem_body(company, invoice_no="=1+cmd|' /C calc'!A0"), idempotency_key="f1")
    client = page_client(person)
    assert_inert(
        client.get("/provider/statement/", {"export": "csv"}),
        client.get("/provider/statement/", {"export": "xlsx"}),
        company.name,
        "=1+cmd|' /C calc'!A0",
    )


def test_reduce_refuses_a_raise(granted, make_staff):
    _u, _company, _c, grant = granted
    officer, _ = make_staff("voucher_officer")
    from beiyang.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        do_reduce_grant(officer, grant.pk, amount_fen=grant.amount_fen + 1, reason="加")
