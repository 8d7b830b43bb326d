"""Voucher pages: a founder's balances, the voucher officer's desk (pools, a company's grants:
issue, lower, revoke) and a provider's portal (redeem, holds, reversals, the statement)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from beiyang.accounts.queries import provider_of
from beiyang.accounts.roles import has_role
from beiyang.companies.models import Company
from beiyang.companies.queries import company_of
from beiyang.core.errors import DomainError
from beiyang.core.exports import table_response
from beiyang.core.money import fen_to_yuan, yuan_to_fen
from beiyang.core.numbers import read_id
from beiyang.core.words import MONTHS_EN, english, money_fen
from beiyang.vouchers import actions, queries
from beiyang.vouchers.models import KINDS, Redemption


@login_required
def my_vouchers(request):
    company = company_of(request.user)
    return render(
        request,
        "vouchers/mine.html",
        {"tab": "benefits", "company": company, "vouchers": company_vouchers_or_none(company)},
    )


def company_vouchers_or_none(company):
    return queries.company_vouchers(company) if company else None


def _said(zh: str, en: str) -> str:
    """A short confirmation in the reader's language."""
    return en if english() else zh


def _officer(request) -> None:
    if not has_role(request.user, "voucher_officer"):
        raise PermissionDenied


@login_required
def officer_desk(request):
    """Pools with their forecast, grants running out soon, and a search for a company."""
    _officer(request)
    text = request.GET.get("q", "")
    return render(
        request,
        "vouchers/officer.html",
        {
            "staff_tab": "vouchers",
            "pools": queries.pool_report(),
            "expiring": queries.expiring_grants(),
            "q": text,
            "found": queries.find_companies(text),
        },
    )


@login_required
def officer_company(request, company_id: int):
    """One company's grants: issue a new one, lower or revoke one, with the ledger's rules."""
    _officer(request)
    company = Company.objects.filter(pk=company_id).first()
    if company is None:
        raise Http404
    if request.method == "POST":
        post = request.POST
        try:
            do = post.get("do")
            if do == "issue":
                actions.do_issue_grant(
                    company=company,
                    kind=post.get("kind", ""),
                    amount_fen=yuan_to_fen(post.get("amount_cny"), "amount_cny"),
                    actor=request.user,
                )
                messages.success(request, _said("已发放", "Issued"))
            elif do == "reduce":
                actions.do_reduce_grant(
                    request.user,
                    read_id(post.get("grant_id"), "grant_id"),
                    amount_fen=yuan_to_fen(post.get("amount_cny"), "amount_cny"),
                    reason=post.get("reason", ""),
                )
                messages.success(request, _said("额度已调整", "Grant lowered"))
            elif do == "revoke":
                actions.do_revoke_grant(
                    request.user, read_id(post.get("grant_id"), "grant_id"), reason=post.get("reason", "")
                )
                messages.success(request, _said("已撤销", "Revoked"))
        except DomainError as exc:
            messages.error(request, exc.localized())
        return redirect("web:officer_company", company_id=company.pk)
    left = queries.ceiling_left_fen(company)
    return render(
        request,
        "vouchers/officer_company.html",
        {
            "staff_tab": "vouchers",
            "company": company,
            "vouchers": queries.company_vouchers(company),
            "ceiling_left_cny": fen_to_yuan(left),
            "kinds": list(KINDS),
        },
    )


def _provider(request):
    provider = provider_of(request.user)
    if provider is None:
        raise PermissionDenied
    return provider


@login_required
def provider_portal(request):
    """Redeem a company's voucher against an invoice; capture or void holds; reverse a refund."""
    provider = _provider(request)
    form, status = {}, 200
    if request.method == "POST":
        post = request.POST
        do = post.get("do", "redeem")
        try:
            if do == "redeem":
                form = post
                body = {
                    "company_credit_code": post.get("company_credit_code", ""),
                    "kind": post.get("kind", ""),
                    "invoice_no": post.get("invoice_no", ""),
                    "contract_no": post.get("contract_no", ""),
                    "invoice_amount_cny": post.get("invoice_amount_cny", ""),
                }
                # The form's own key: sending the same form twice redeems once.
                redemption, _ = actions.check_redeem(
                    provider, body, idempotency_key=post.get("form_key", ""), hold=post.get("hold") == "on"
                )
                held = redemption.status == Redemption.HELD
                subsidy = money_fen(redemption.subsidy_fen, fen_matter=True)
                if english():
                    text = f"Subsidy {subsidy} " + (
                        "on hold: capture it once the service is delivered" if held else "redeemed"
                    )
                else:
                    text = f"补贴{subsidy}" + (",已冻结,服务交付后请确认" if held else ",已核销")
                messages.success(request, text)
                return redirect("web:provider_portal")
            redemption_id = read_id(post.get("redemption_id"), "redemption_id")
            if do == "capture":
                actions.do_capture(provider, redemption_id)
                messages.success(request, _said("已确认核销", "Captured"))
            elif do == "void":
                actions.do_void(provider, redemption_id)
                messages.success(request, _said("已撤销冻结", "Hold voided"))
            elif do == "reverse":
                actions.do_reverse(provider, redemption_id)
                messages.success(request, _said("已冲回", "Reversed"))
        except DomainError as exc:
            messages.error(request, exc.localized())
            status = 400  # the form comes back with what was typed and why it was refused
        if do != "redeem":
            return redirect("web:provider_portal")
    return render(
        request,
        "vouchers/provider.html",
        {
            "tab": "provider",
            "provider": provider,
            "kinds": provider.kinds,
            "form": form,
            "form_key": uuid.uuid4().hex,
            "holds": queries.provider_redemptions(provider, Redemption.HELD),
            "recent": queries.provider_redemptions(provider, limit=20),
        },
        status=status,
    )


def _month_label(year: int, month: int) -> str:
    return f"{MONTHS_EN[month - 1]} {year}" if english() else f"{year}年{month}月"


def _recent_months(count: int = 24) -> list[dict[str, str]]:
    """This month and the ones before it, for the statement's month picker (in words: a
    browser's own month input writes the month in the browser's language, not the page's)."""
    today = timezone.localdate()
    year, month, out = today.year, today.month, []
    for _ in range(count):
        out.append({"value": f"{year:04d}-{month:02d}", "label": _month_label(year, month)})
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out


@login_required
def provider_statement(request):
    """The month's statement on the page, in local time and words; ``?export=csv|xlsx``."""
    provider = _provider(request)
    period = request.GET.get("period") or timezone.localdate().strftime("%Y-%m")
    try:
        year, month = queries.parse_period(period)
    except DomainError as exc:
        messages.error(request, exc.localized())
        return redirect("web:provider_statement")
    if request.GET.get("export"):
        return table_response(
            f"statement-{period}",
            queries.STATEMENT_HEAD,
            queries.statement_rows(provider, year, month),
            request.GET["export"],
        )
    rows = queries.statement(provider, year, month)
    live = [r for r in rows if r.status == Redemption.POSTED]
    return render(
        request,
        "vouchers/statement.html",
        {
            "tab": "statement",
            "provider": provider,
            "period": f"{year:04d}-{month:02d}",
            "period_label": _month_label(year, month),
            "months": _recent_months(),
            "year": year,
            "month": month,
            "rows": rows,
            "total_subsidy_fen": sum(r.subsidy_fen for r in live),
            "total_city_fen": sum(r.city_fen for r in live),
            "total_district_fen": sum(r.district_fen for r in live),
        },
    )
