from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from beiyang.companies.models import Company
from beiyang.core.money import fen_to_yuan
from beiyang.vouchers.models import KINDS, Account, BudgetPool, Grant, GrantProposal, Redemption, Transfer


def granted_this_year_cny(company: Company, year: int) -> Decimal:
    """What the shared voucher ceiling counts (read by the benefits engine's profile)."""
    total = Grant.objects.filter(company=company, year=year).aggregate(s=Sum("amount_fen"))["s"] or 0
    return fen_to_yuan(total)


def company_vouchers(company: Company) -> dict[str, Any]:
    grants = list(Grant.objects.filter(company=company).select_related("account").order_by("-created_at"))
    redemptions = list(
        Redemption.objects.filter(grant__company=company)
        .select_related("provider")
        .order_by("-created_at")[:100]
    )
    return {
        "grants": [
            {
                "id": g.pk,
                "kind": g.kind,
                "kind_label": KINDS[g.kind][0],
                "amount_cny": fen_to_yuan(g.amount_fen),
                "balance_cny": fen_to_yuan(g.account.balance_fen),
                "held_cny": fen_to_yuan(g.account.debits_pending),
                "city_cny": fen_to_yuan(g.city_fen),
                "district_cny": fen_to_yuan(g.district_fen),
                "valid_until": g.valid_until,
                "status": g.status,
            }
            for g in grants
        ],
        "history": [
            {
                "id": r.pk,
                "kind": r.kind,
                "provider": r.provider.name,
                "invoice_no": r.invoice_no,
                "invoice_amount_cny": fen_to_yuan(r.invoice_amount_fen),
                "subsidy_cny": fen_to_yuan(r.subsidy_fen),
                "status": r.status,
                "created_at": r.created_at,
            }
            for r in redemptions
        ],
    }


def redemption_out(r: Redemption) -> dict[str, Any]:
    balance = Account.objects.get(pk=r.grant.account_id).balance_fen
    return {
        "redemption_id": r.pk,
        "status": r.status,
        "subsidy_cny": fen_to_yuan(r.subsidy_fen),
        "city_cny": fen_to_yuan(r.city_fen),
        "district_cny": fen_to_yuan(r.district_fen),
        "grant_balance_cny": fen_to_yuan(balance),
        "invoice_no": r.invoice_no,
        "hold_expires_at": r.transfer.timeout_at if r.status == Redemption.HELD else None,
    }


def statement(provider, year: int, month: int) -> list[Redemption]:
    tz = timezone.get_current_timezone()
    start = dt.datetime(year, month, 1, tzinfo=tz)
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return list(
        Redemption.objects.filter(provider=provider, created_at__gte=start, created_at__lt=end)
        .select_related("grant__company")
        .order_by("created_at")
    )


def pool_report(today: dt.date | None = None) -> list[dict[str, Any]]:
    """Budget, granted, left, the burn over the last 30 days and when the pool runs out at that pace."""
    today = today or timezone.localdate()
    since = timezone.now() - dt.timedelta(days=30)
    rows = []
    for pool in BudgetPool.objects.select_related("account").order_by("year", "kind", "source"):
        account = pool.account
        burn = (
            Transfer.objects.filter(
                debit=account, code="grant", status=Transfer.POSTED, created_at__gte=since
            ).aggregate(s=Sum("amount_fen"))["s"]
            or 0
        )
        per_day = burn / 30
        left = account.balance_fen
        rows.append(
            {
                "kind": pool.kind,
                "source": pool.source,
                "year": pool.year,
                "budget_cny": fen_to_yuan(account.credits_posted),
                "granted_cny": fen_to_yuan(account.debits_posted),
                "left_cny": fen_to_yuan(left),
                "burn_per_day_cny": fen_to_yuan(int(per_day)),
                "exhausted_on": (today + dt.timedelta(days=int(left / per_day))) if per_day > 0 else None,
            }
        )
    return rows


def expiring_grants(within_days: int = 30, today: dt.date | None = None) -> list[Grant]:
    today = today or timezone.localdate()
    return list(
        Grant.objects.filter(
            status=Grant.ACTIVE,
            valid_until__gte=today,
            valid_until__lte=today + dt.timedelta(days=within_days),
        )
        .select_related("company", "account")
        .order_by("valid_until")
    )


def reconcile() -> dict[str, Any]:
    """Recompute every account's totals from the transfers and compare with the stored ones;
    check that debits equal credits overall and that no guarded account is overdrawn."""
    posted = Transfer.objects.filter(status=Transfer.POSTED)
    pending = Transfer.objects.filter(status=Transfer.PENDING)
    sums: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for qs, suffix in ((posted, "posted"), (pending, "pending")):
        for row in qs.values("debit").annotate(s=Sum("amount_fen")):
            sums[row["debit"]][f"debits_{suffix}"] = row["s"]
        for row in qs.values("credit").annotate(s=Sum("amount_fen")):
            sums[row["credit"]][f"credits_{suffix}"] = row["s"]
    mismatches, overdrawn = [], []
    fields = ("debits_posted", "credits_posted", "debits_pending", "credits_pending")
    accounts = list(Account.objects.all().order_by("id"))
    for account in accounts:
        for field in fields:
            if getattr(account, field) != sums[account.pk][field]:
                mismatches.append(
                    {
                        "account": account.code,
                        "field": field,
                        "stored": getattr(account, field),
                        "from_transfers": sums[account.pk][field],
                    }
                )
        if account.debits_must_not_exceed_credits and account.balance_fen < 0:
            overdrawn.append(account.code)
    totals = {f: sum(getattr(a, f) for a in accounts) for f in fields}
    by_type = {
        t: fen_to_yuan(
            Account.objects.filter(type=t).aggregate(s=Sum("credits_posted") - Sum("debits_posted"))["s"] or 0
        )
        for t, _ in Account.TYPES
    }
    balanced = (
        not mismatches
        and not overdrawn
        and totals["debits_posted"] == totals["credits_posted"]
        and totals["debits_pending"] == totals["credits_pending"]
    )
    redemptions_ok = not Redemption.objects.filter(
        Q(status__in=Redemption.LIVE) & Q(subsidy_fen__lte=0)
    ).exists()
    return {
        "balanced": balanced and redemptions_ok,
        "mismatches": mismatches,
        "overdrawn": overdrawn,
        "totals_fen": totals,
        "net_by_type_cny": by_type,
        "transfers": Transfer.objects.count(),
    }


def pending_grant_proposals() -> QuerySet[GrantProposal]:
    """Grants above the four-eyes figure waiting for a second voucher officer, oldest first."""
    return GrantProposal.objects.filter(status=GrantProposal.PENDING).select_related("company").order_by("id")
