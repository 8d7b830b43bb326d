"""Voucher actions: funding pools, issuing grants, provider redemptions (one-phase or
hold/capture/void), reversals, expiry.

Lock order, the same everywhere: the grant's account row, then the rest. The balance check
that matters is the ledger's guarded update; the lock makes the capped subsidy exact.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from beiyang.accounts.models import Provider
from beiyang.accounts.roles import has_role
from beiyang.companies.actions import check_no_conflict_of_interest
from beiyang.companies.models import Company, Membership
from beiyang.companies.queries import member_ids
from beiyang.core.audit import audit_entry, log_action
from beiyang.core.errors import AccessDenied, Conflict, DomainError, InvalidInput, NotFound
from beiyang.core.groupcommit import GroupCommit
from beiyang.core.identifiers import parse_credit_code
from beiyang.core.money import fen_text, fen_to_yuan, yuan_text, yuan_to_fen
from beiyang.core.words import date_words
from beiyang.notifications.actions import do_send_message, do_send_messages, new_message
from beiyang.policies.queries import current_pack, evaluate_company
from beiyang.vouchers import ledger
from beiyang.vouchers.models import KINDS, Account, BudgetPool, Grant, GrantProposal, Redemption, Transfer

TREASURY = {"city": "treasury:city", "district": "treasury:district"}


def _params(on: dt.date) -> dict[str, Any]:

    return current_pack().params_at(on)


def _check_kind(kind: str) -> str:
    if not isinstance(kind, str) or kind not in KINDS:
        raise InvalidInput(
            f"券种应为 {'、'.join(KINDS)} 之一",
            f"kind is one of {', '.join(KINDS)}",
            field="kind",
            code="invalid_kind",
        )
    return kind


def _require_officer(actor) -> None:
    if actor is not None and not has_role(actor, "voucher_officer"):
        raise AccessDenied("仅券务专员可以操作", "Only voucher officers may do this")


@transaction.atomic(durable=True)
def do_fund_pool(*, kind: str, source: str, year: int, amount_fen: int, actor=None) -> BudgetPool:
    """Add budget to a programme's pool (from the city or district treasury)."""
    _require_officer(actor)
    _check_kind(kind)
    if source not in TREASURY:
        raise InvalidInput("资金来源应为 city 或 district", "source is city or district", field="source")
    if amount_fen <= 0:
        raise InvalidInput(
            "金额必须大于0", "The amount must be positive", field="amount_cny", code="invalid_amount"
        )
    account = ledger.open_account(f"pool:{year}:{kind}:{source}", Account.POOL)
    pool, _ = BudgetPool.objects.get_or_create(
        kind=kind, source=source, year=year, defaults={"account": account}
    )
    ledger.transfer(
        ledger.open_account(TREASURY[source], Account.TREASURY),
        account,
        amount_fen,
        "fund",
        memo=f"{year} {kind} {source}",
    )
    log_action("vouchers.pool.funded", actor=actor, obj=pool, amount_fen=amount_fen)
    return pool


def granted_this_year_fen(company: Company, year: int) -> int:
    return sum(Grant.objects.filter(company=company, year=year).values_list("amount_fen", flat=True))


@transaction.atomic(durable=True)
def do_issue_grant(
    *,
    company: Company,
    kind: str,
    amount_fen: int,
    actor=None,
    application_id: int | None = None,
    today: dt.date | None = None,
) -> Grant:
    return issue_grant(
        company=company,
        kind=kind,
        amount_fen=amount_fen,
        actor=actor,
        application_id=application_id,
        today=today,
    )


def issue_grant(
    *,
    company: Company,
    kind: str,
    amount_fen: int,
    actor=None,
    application_id: int | None = None,
    today: dt.date | None = None,
) -> Grant:
    """Grant a company vouchers of one kind, funded from this year's city and district pools
    in the pack's shares, within the pack's shared ceiling. Caller holds a transaction."""
    _require_officer(actor)
    _check_kind(kind)
    if actor is not None:
        check_no_conflict_of_interest(actor, company.pk, (f"{company.name}的券额", f"{company.name}'s grant"))
    today = today or timezone.localdate()
    if amount_fen <= 0:
        raise InvalidInput(
            "金额必须大于0", "The amount must be positive", field="amount_cny", code="invalid_amount"
        )
    params = _params(today)
    ceiling = yuan_to_fen(params["vouchers.ceiling_cny"])
    company = Company.objects.select_for_update().get(pk=company.pk)  # serialises grants per company
    used = granted_this_year_fen(company, today.year)
    if used + amount_fen > ceiling:
        raise Conflict(
            f"超出市区两级合计上限:本年度已获{fen_to_yuan(used)}元,上限{fen_to_yuan(ceiling)}元",
            f"Over the shared ceiling: {fen_to_yuan(used)} already granted of {fen_to_yuan(ceiling)}",
            field="amount_cny",
            code="over_ceiling",
        )
    _check_eligible(company, kind, today)
    city = int(
        (Decimal(amount_fen) * Decimal(params["vouchers.city_share"])).to_integral_value(ROUND_HALF_UP)
    )
    parts = {"city": city, "district": amount_fen - city}
    valid_until = today + dt.timedelta(days=int(params["vouchers.validity_days"]))
    account = ledger.open_account(f"grant:{company.pk}:{kind}:{time.time_ns()}", Account.GRANT)
    for source, part in parts.items():
        if part == 0:
            continue
        pool = (
            BudgetPool.objects.filter(kind=kind, source=source, year=today.year)
            .select_related("account")
            .first()
        )
        if pool is None:
            raise Conflict(
                f"{today.year}年{KINDS[kind][0]}{source}预算池尚未设立",
                f"No {source} budget pool for {kind}",
                field="kind",
                code="no_budget_pool",
            )
        try:
            ledger.transfer(pool.account, account, part, "grant", memo=f"{company.credit_code} {kind}")
        except ledger.InsufficientFunds:
            raise Conflict(
                "预算池余额不足", "The budget pool is exhausted", field="amount_cny", code="budget_exhausted"
            ) from None
    grant = Grant.objects.create(
        company=company,
        kind=kind,
        year=today.year,
        amount_fen=amount_fen,
        city_fen=parts["city"],
        district_fen=parts["district"],
        account=account,
        valid_from=today,
        valid_until=valid_until,
        application_id=application_id,
    )
    log_action(
        "vouchers.grant.issued",
        actor=actor,
        obj=grant,
        company_id=company.pk,
        kind=kind,
        amount_fen=amount_fen,
        city_fen=parts["city"],
        district_fen=parts["district"],
    )
    _tell_company(
        company,
        f"您获得{KINDS[kind][0]}{fen_text(amount_fen)}",
        f"{company.name}获得{KINDS[kind][0]}{fen_text(amount_fen)}(市级{fen_text(parts['city'])},"
        f"区级{fen_text(parts['district'])}),有效期至{date_words(valid_until, en=False)}。",
        f"You received a {KINDS[kind][1].lower()} of {fen_to_yuan(amount_fen):,} CNY",
        f"Valid until {valid_until:%Y-%m-%d}.",
    )
    return grant


def second_approval_above_fen(today: dt.date | None = None) -> int:
    """Grants above this many fen need a second voucher officer (the pack's four-eyes figure)."""
    return yuan_to_fen(_params(today or timezone.localdate())["vouchers.second_approval_above_cny"])


@transaction.atomic(durable=True)
def check_issue_grant(officer, *, company: Company, kind: str, amount_fen: int) -> Grant | GrantProposal:
    """A voucher officer grants vouchers: at once up to the pack's four-eyes figure, above it as a
    proposal that a second officer must approve (``check_approve_grant``). Neither may belong
    to, or be tied to, the company."""
    _require_officer(officer)
    _check_kind(kind)
    check_no_conflict_of_interest(officer, company.pk, (f"{company.name}的券额", f"{company.name}'s grant"))
    if amount_fen > second_approval_above_fen():
        proposal = GrantProposal.objects.create(
            company=company, kind=kind, amount_fen=amount_fen, proposed_by=officer
        )
        log_action(
            "vouchers.grant.proposed",
            actor=officer,
            obj=proposal,
            company_id=company.pk,
            kind=kind,
            amount_fen=amount_fen,
        )
        return proposal
    return issue_grant(company=company, kind=kind, amount_fen=amount_fen, actor=officer)


def _access_proposal(officer, proposal_id: int) -> GrantProposal:
    """The proposal, locked, for a second officer to decide: pending, not their own, no conflict."""
    _require_officer(officer)
    proposal = (
        GrantProposal.objects.select_for_update().select_related("company").filter(pk=proposal_id).first()
    )
    if proposal is None:
        raise NotFound("待复核的券额不存在", "No such grant proposal", field="proposal_id")
    if proposal.proposed_by_id == officer.pk:
        raise AccessDenied(
            "四眼原则:提出券额的专员不能自己批准,请由另一名券务专员复核",
            "Four eyes: the officer who proposed a grant may not approve it; a second officer must",
            code="four_eyes",
        )
    if proposal.status != GrantProposal.PENDING:
        raise Conflict(
            "该券额已复核过", "This grant proposal has been decided already", code="already_decided"
        )
    company = proposal.company
    check_no_conflict_of_interest(officer, company.pk, (f"{company.name}的券额", f"{company.name}'s grant"))
    return proposal


@transaction.atomic(durable=True)
def check_approve_grant(officer, proposal_id: int) -> Grant:
    """A second voucher officer approves a proposed grant: it is issued (ceiling, pools and
    eligibility checked as for any grant) and the proposal is closed, once."""
    proposal = _access_proposal(officer, proposal_id)
    grant = issue_grant(
        company=proposal.company, kind=proposal.kind, amount_fen=proposal.amount_fen, actor=officer
    )
    proposal.status, proposal.decided_by, proposal.decided_at = (
        GrantProposal.APPROVED,
        officer,
        timezone.now(),
    )
    proposal.grant = grant
    proposal.save(update_fields=["status", "decided_by", "decided_at", "grant"])
    log_action(
        "vouchers.grant.approved",
        actor=officer,
        obj=proposal,
        grant_id=grant.pk,
        proposed_by=proposal.proposed_by_id,
    )
    return grant


@transaction.atomic(durable=True)
def check_refuse_grant(officer, proposal_id: int) -> GrantProposal:
    """A second voucher officer refuses a proposed grant; nothing is issued."""
    proposal = _access_proposal(officer, proposal_id)
    proposal.status, proposal.decided_by, proposal.decided_at = GrantProposal.REFUSED, officer, timezone.now()
    proposal.save(update_fields=["status", "decided_by", "decided_at"])
    log_action("vouchers.grant.refused", actor=officer, obj=proposal, proposed_by=proposal.proposed_by_id)
    return proposal


def _check_eligible(company: Company, kind: str, today: dt.date) -> None:
    """The company meets the criteria of the pack's policy granting this kind (``grants:
    {voucher_kind: …}``); a kind no policy grants has no criteria to meet."""

    pack = current_pack()
    granting = [p.id for p in pack.policies.values() if p.voucher_kind == kind]
    results = evaluate_company(company, today, pack=pack).by_policy()
    for result in (results[pid] for pid in granting if pid in results):
        if result.status != "ineligible":
            continue
        failed = [c.label for c, outcome in result.criteria if c is not None and outcome == "fail"]
        raise Conflict(
            f"该企业不符合{KINDS[kind][0]}条件:{'、'.join(c.zh for c in failed)}",
            f"The company does not qualify for the {KINDS[kind][1].lower()}: "
            + "; ".join(c.en for c in failed),
            field="company",
            code="not_eligible",
        )


def _tell_company(company: Company, title: str, body: str, title_en: str, body_en: str) -> None:
    for user_id in member_ids(company):
        do_send_message(
            user_id,
            kind="voucher",
            title=title,
            body=body,
            title_en=title_en,
            body_en=body_en,
            link="/vouchers/",
        )


def _request_hash(body: dict[str, Any], hold: bool) -> str:
    return hashlib.sha256(
        json.dumps({**body, "hold": hold}, sort_keys=True, default=str).encode()
    ).hexdigest()


def _clean_redemption(body: dict[str, Any]) -> dict[str, Any]:
    out = {
        "company_credit_code": parse_credit_code(body.get("company_credit_code"), "company_credit_code"),
        "kind": _check_kind(body.get("kind")),
    }
    for key in ("invoice_no", "contract_no"):
        value = (body.get(key) or "").strip() if isinstance(body.get(key), str) else ""
        if not value or len(value) > 64:
            raise InvalidInput(
                f"{key} 必填且不超过64字符", f"{key} is required (at most 64 characters)", field=key
            )
        out[key] = value
    fen = yuan_to_fen(body.get("invoice_amount_cny"), "invoice_amount_cny")
    if fen <= 0:
        raise InvalidInput(
            "发票金额必须大于0",
            "The invoice amount must be positive",
            field="invoice_amount_cny",
            code="invalid_amount",
        )
    out["invoice_amount_fen"] = fen
    return out


@dataclass(frozen=True)
class _Request:
    """A provider's redemption, checked and hashed, waiting for its batch."""

    provider: Provider
    data: dict[str, Any]
    key: str
    digest: str
    hold: bool


@dataclass(frozen=True)
class _Plan:
    request: _Request
    grant: Grant
    subsidy: int
    balance_after: int


def check_redeem(
    provider, body: dict[str, Any], *, idempotency_key: str, hold: bool = False
) -> tuple[Redemption, bool]:
    """A provider redeems a company's voucher against an invoice. Returns (redemption, created).

    The same key with the same body returns the first result; with another body it is
    refused. The subsidy is the invoice times the pack's rate, capped by the grant's balance.
    Redemptions arriving together are written in one transaction (see ``_redeem_batch``).
    """
    if not idempotency_key or len(idempotency_key) > 80:
        raise InvalidInput(
            "请提供 Idempotency-Key 请求头(不超过80字符)",
            "Send an Idempotency-Key header (≤ 80 chars)",
            field="Idempotency-Key",
            code="idempotency_key_required",
        )
    data = _clean_redemption(body)
    request = _Request(provider, data, idempotency_key, _request_hash(data, hold), hold)
    return _redemptions.submit("redeem", request)


def _redeem_batch(requests: Sequence[_Request]) -> list[Any]:
    """Settle redemptions in one transaction: one lock on the grants concerned, each request
    checked in arrival order against the balance the ones before it left, then the ledger
    moves, rows, audit entries and founders' messages written in one statement each.

    Each request gets ``(redemption, created)`` or the error it would have had alone. A
    request appears at most once (``_redemptions``' identity)."""
    outcomes: list[Any] = [None] * len(requests)
    with transaction.atomic(durable=True):
        books = _Books(requests, lock=True)
        earlier = _earlier(requests)
        plans: list[tuple[int, _Plan]] = []
        for i, request in enumerate(requests):
            ident = (request.provider.pk, request.key)
            try:
                if ident in earlier:
                    outcomes[i] = (_replay(earlier[ident], request.digest), False)
                else:
                    plans.append((i, books.plan(request)))
            except DomainError as exc:
                outcomes[i] = exc
        written = _write_redemptions([plan for _, plan in plans])
        for (i, _), redemption in zip(plans, written, strict=True):
            outcomes[i] = (redemption, True)
    return outcomes


# The same request twice in one batch: the second runs after it and replays the first.
_redemptions = GroupCommit(_redeem_batch, identity=lambda request: (request.provider.pk, request.key))


def _earlier(requests: Sequence[_Request]) -> dict[tuple[int, str], Redemption]:
    """Redemptions already made under these idempotency keys."""
    wanted = {(r.provider.pk, r.key) for r in requests}
    found = Redemption.objects.filter(
        provider_id__in={p for p, _ in wanted}, idempotency_key__in={k for _, k in wanted}
    )
    return {
        (r.provider_id, r.idempotency_key): r for r in found if (r.provider_id, r.idempotency_key) in wanted
    }


def _replay(earlier: Redemption, digest: str) -> Redemption:
    if earlier.request_hash != digest:
        raise Conflict(
            "同一 Idempotency-Key 的请求内容不同",
            "This Idempotency-Key was used with a different body",
            field="Idempotency-Key",
            code="idempotency_conflict",
        )
    return earlier


class _Books:
    """What a batch of redemptions needs to know, read in a few queries: the companies, their
    live grants (locked, when ``lock``) and balances, the invoices and contracts already
    redeemed. ``plan`` checks one request against it and takes its subsidy off the balance."""

    def __init__(self, requests: Sequence[_Request], *, lock: bool) -> None:
        self.today = timezone.localdate()
        self.rate = Decimal(_params(self.today)["vouchers.subsidy_rate"])
        codes = {r.data["company_credit_code"] for r in requests}
        self.companies = {c.credit_code: c for c in Company.objects.filter(credit_code__in=codes)}
        grants = (
            Grant.objects.filter(
                company__in=self.companies.values(),
                kind__in={r.data["kind"] for r in requests},
                status=Grant.ACTIVE,
                valid_until__gte=self.today,
            )
            .select_related("account")
            .order_by("valid_until", "id")
        )
        if lock:  # the grants' account rows, in one order for every batch
            grants = grants.select_for_update(of=("account",))
        self.grants: dict[tuple[int, str], list[Grant]] = defaultdict(list)
        self.balances: dict[int, int] = {}
        for grant in grants:
            self.grants[(grant.company_id, grant.kind)].append(grant)
            self.balances[grant.account_id] = grant.account.balance_fen
        self.taken: set[tuple[str, int, str]] = set()
        redeemed = Redemption.objects.filter(status__in=Redemption.LIVE).filter(
            Q(
                provider_id__in={r.provider.pk for r in requests},
                invoice_no__in={r.data["invoice_no"] for r in requests},
            )
            | Q(
                grant_id__in={g.pk for g in grants}, contract_no__in={r.data["contract_no"] for r in requests}
            )
        )
        for provider_id, invoice_no, grant_id, contract_no in redeemed.values_list(
            "provider_id", "invoice_no", "grant_id", "contract_no"
        ):
            self.taken |= {("invoice", provider_id, invoice_no), ("contract", grant_id, contract_no)}

    def plan(self, request: _Request) -> _Plan:
        provider, data = request.provider, request.data
        if data["kind"] not in provider.kinds:
            raise AccessDenied(
                f"该服务商未获准受理{KINDS[data['kind']][0]}",
                f"This provider may not accept {data['kind']}",
                field="kind",
                code="kind_not_accepted",
            )
        company = self.companies.get(data["company_credit_code"])
        if company is None:
            raise NotFound(
                "未找到该企业", "No such company", field="company_credit_code", code="unknown_company"
            )
        if (
            company.credit_code in (provider.related_credit_codes or [])
            or company.credit_code == provider.credit_code
        ):
            raise AccessDenied(
                "服务商与企业存在关联关系,不能核销",
                "The provider is a related party of the company",
                field="company_credit_code",
                code="related_party",
            )
        live = self.grants.get((company.pk, data["kind"]))
        if not live:
            raise _no_grant(company, data["kind"])
        grant = next((g for g in live if self.balances[g.account_id] > 0), live[0])
        invoice = ("invoice", provider.pk, data["invoice_no"])
        contract = ("contract", grant.pk, data["contract_no"])
        if invoice in self.taken or contract in self.taken:
            raise Conflict(
                "该发票或合同已核销",
                "This invoice or contract was already redeemed",
                field="invoice_no",
                code="already_redeemed",
            )
        wanted = int((Decimal(data["invoice_amount_fen"]) * self.rate).to_integral_value(ROUND_HALF_UP))
        subsidy = min(wanted, self.balances[grant.account_id])
        if subsidy <= 0:
            raise Conflict(
                "券余额为0",
                "The voucher balance is zero",
                field="company_credit_code",
                code="insufficient_balance",
            )
        self.balances[grant.account_id] -= subsidy
        self.taken |= {invoice, contract}
        return _Plan(request, grant, subsidy, self.balances[grant.account_id])


def _no_grant(company: Company, kind: str) -> Conflict:
    expired = Grant.objects.filter(company=company, kind=kind).exists()
    return Conflict(
        "该企业的券已过期" if expired else "该企业没有可用的此类券",
        "The company's voucher has expired" if expired else "The company has no voucher of this kind",
        field="company_credit_code",
        code="grant_expired" if expired else "no_grant",
    )


def _write_redemptions(plans: list[_Plan]) -> list[Redemption]:
    if not plans:
        return []
    until = timezone.now() + dt.timedelta(seconds=settings.VOUCHERS_HOLD_SECONDS)
    receivables = _receivables({plan.request.provider for plan in plans})
    transfers = ledger.transfer_many(
        [
            ledger.Move(
                plan.grant.account,
                receivables[plan.request.provider.pk],
                plan.subsidy,
                "redeem",
                memo=plan.request.data["invoice_no"],
                pending_until=until if plan.request.hold else None,
            )
            for plan in plans
        ]
    )
    redemptions = Redemption.objects.bulk_create(
        [_redemption(plan, moved) for plan, moved in zip(plans, transfers, strict=True)]
    )
    _tell_redeemed(
        [
            (r, plan.balance_after)
            for r, plan in zip(redemptions, plans, strict=True)
            if not plan.request.hold
        ],
        audit=[
            audit_entry(
                f"vouchers.redemption.{r.status}",
                actor_label=r.provider.name,
                obj=r,
                subsidy_fen=r.subsidy_fen,
                grant_id=r.grant_id,
            )
            for r in redemptions
        ],
    )
    return redemptions


def _redemption(plan: _Plan, moved: Transfer) -> Redemption:
    grant, data, subsidy = plan.grant, plan.request.data, plan.subsidy
    city = int((Decimal(subsidy) * grant.city_fen / grant.amount_fen).to_integral_value(ROUND_HALF_UP))
    return Redemption(
        provider=plan.request.provider,
        grant=grant,
        kind=data["kind"],
        invoice_no=data["invoice_no"],
        contract_no=data["contract_no"],
        invoice_amount_fen=data["invoice_amount_fen"],
        subsidy_fen=subsidy,
        city_fen=city,
        district_fen=subsidy - city,
        status=Redemption.HELD if plan.request.hold else Redemption.POSTED,
        idempotency_key=plan.request.key,
        request_hash=plan.request.digest,
        transfer=moved,
    )


def _receivables(providers: set[Provider]) -> dict[int, Account]:
    codes = {f"provider:{p.pk}": p.pk for p in providers}
    found = {codes[a.code]: a for a in Account.objects.filter(code__in=codes)}
    for code, provider_id in codes.items():
        if provider_id not in found:
            found[provider_id] = ledger.open_account(code, Account.PROVIDER)
    return found


def _tell_redeemed(redeemed: list[tuple[Redemption, int]], audit=()) -> None:
    """Tell every member of each company what was redeemed and what is left (``audit``: the
    caller's entries, written with the messages')."""
    members: dict[int, list[int]] = defaultdict(list)
    for company_id, user_id in Membership.objects.filter(
        company_id__in={r.grant.company_id for r, _ in redeemed}
    ).values_list("company_id", "user_id"):
        members[company_id].append(user_id)
    messages = []
    for redemption, balance in redeemed:
        kind, subsidy = redemption.grant.kind, fen_to_yuan(redemption.subsidy_fen)
        name = KINDS[kind][0]
        for user_id in members[redemption.grant.company_id]:
            messages.append(
                new_message(
                    user_id,
                    kind="voucher",
                    title=f"{name}抵扣{yuan_text(subsidy, fen_matter=True)}",
                    body=f"{redemption.provider.name}核销发票{redemption.invoice_no},"
                    f"{name}抵扣{yuan_text(subsidy, fen_matter=True)},"
                    f"余额{fen_text(balance, fen_matter=True)}。",
                    title_en=f"{KINDS[kind][1]}: {subsidy:,} CNY used",
                    body_en=f"Balance {fen_to_yuan(balance):,} CNY.",
                    link="/vouchers/",
                )
            )
    do_send_messages(messages, audit=list(audit))


def _provider_redemption(provider, redemption_id: int) -> Redemption:
    redemption = (
        Redemption.objects.select_for_update()
        .select_related("transfer", "grant")
        .filter(pk=redemption_id, provider=provider)
        .first()
    )
    if redemption is None:
        raise NotFound("核销记录不存在", "No such redemption", field="redemption_id")
    return redemption


@transaction.atomic(durable=True)
def do_capture(provider, redemption_id: int) -> Redemption:
    redemption = _provider_redemption(provider, redemption_id)
    if redemption.status == Redemption.POSTED:
        return redemption  # capturing twice is harmless
    if redemption.status != Redemption.HELD:
        raise Conflict(
            f"当前状态({redemption.status})不能确认",
            f"A {redemption.status} redemption cannot be captured",
            code="not_held",
        )
    ledger.post_pending(redemption.transfer)
    redemption.status = Redemption.POSTED
    redemption.save(update_fields=["status", "updated_at"])
    log_action("vouchers.redemption.captured", actor_label=provider.name, obj=redemption)
    _tell_redeemed([(redemption, Account.objects.get(pk=redemption.grant.account_id).balance_fen)])
    return redemption


@transaction.atomic(durable=True)
def do_void(provider, redemption_id: int) -> Redemption:
    redemption = _provider_redemption(provider, redemption_id)
    if redemption.status == Redemption.VOIDED:
        return redemption
    if redemption.status != Redemption.HELD:
        raise Conflict(
            f"当前状态({redemption.status})不能撤销冻结",
            f"A {redemption.status} redemption cannot be voided",
            code="not_held",
        )
    ledger.release_pending(redemption.transfer, Transfer.VOIDED)
    redemption.status = Redemption.VOIDED
    redemption.save(update_fields=["status", "updated_at"])
    log_action("vouchers.redemption.voided", actor_label=provider.name, obj=redemption)
    return redemption


@transaction.atomic(durable=True)
def do_reverse(provider, redemption_id: int) -> Redemption:
    """A refund: the subsidy goes back to the grant as a new transfer; nothing is edited."""
    redemption = _provider_redemption(provider, redemption_id)
    if redemption.status == Redemption.REVERSED:
        return redemption
    if redemption.status != Redemption.POSTED:
        raise Conflict("只能冲正已确认的核销", "Only a posted redemption can be reversed", code="not_posted")
    Account.objects.select_for_update().get(pk=redemption.grant.account_id)
    receivable = ledger.open_account(f"provider:{provider.pk}", Account.PROVIDER)
    redemption.reversal = ledger.transfer(
        receivable, redemption.grant.account, redemption.subsidy_fen, "reverse", memo=redemption.invoice_no
    )
    redemption.status = Redemption.REVERSED
    redemption.save(update_fields=["status", "reversal", "updated_at"])
    log_action("vouchers.redemption.reversed", actor_label=provider.name, obj=redemption)
    return redemption


def do_expire_holds(now: dt.datetime | None = None) -> int:
    """Release holds past their timeout (a provider that never captured)."""
    now = now or timezone.now()
    count = 0
    for redemption_id in Redemption.objects.filter(
        status=Redemption.HELD, transfer__timeout_at__lte=now
    ).values_list("id", flat=True):
        with transaction.atomic(durable=True):
            redemption = (
                Redemption.objects.select_for_update().select_related("transfer").get(pk=redemption_id)
            )
            if redemption.status != Redemption.HELD:
                continue
            ledger.release_pending(redemption.transfer, Transfer.EXPIRED)
            redemption.status = Redemption.EXPIRED
            redemption.save(update_fields=["status", "updated_at"])
            log_action("vouchers.redemption.expired", actor_label="holds", obj=redemption)
            count += 1
    return count


def do_expire_grants(today: dt.date | None = None) -> int:
    """Move what is left on grants past their validity to the expired account."""
    today = today or timezone.localdate()
    count = 0
    for grant_id in Grant.objects.filter(status=Grant.ACTIVE, valid_until__lt=today).values_list(
        "id", flat=True
    ):
        with transaction.atomic(durable=True):
            grant = Grant.objects.select_for_update().get(pk=grant_id)
            account = Account.objects.select_for_update().get(pk=grant.account_id)
            if grant.status != Grant.ACTIVE or account.debits_pending:
                continue  # a hold is still open: expire once it settles
            left = account.balance_fen
            if left > 0:
                ledger.transfer(
                    account,
                    ledger.open_account("expired", Account.EXPIRED),
                    left,
                    "expire",
                    memo=f"grant {grant.pk}",
                )
            grant.status = Grant.EXPIRED
            grant.save(update_fields=["status"])
            log_action("vouchers.grant.expired", actor_label="expiry", obj=grant, returned_fen=left)
            count += 1
    return count
