from __future__ import annotations

from ninja import Header, Router, Status

from beiyang.accounts.auth import founder_auth, provider_auth
from beiyang.accounts.roles import has_role
from beiyang.companies.models import Company
from beiyang.companies.queries import company_of
from beiyang.core.errors import AccessDenied, InvalidInput, NotFound
from beiyang.core.exports import table_response
from beiyang.core.identifiers import parse_credit_code
from beiyang.core.money import fen_to_yuan, yuan_to_fen
from beiyang.core.numbers import RowId, whole_number
from beiyang.core.schemas import ErrorOut
from beiyang.vouchers import actions, queries
from beiyang.vouchers.models import GrantProposal
from beiyang.vouchers.schemas import (
    GrantIn,
    GrantOut,
    GrantProposalOut,
    MyVouchersOut,
    RedemptionIn,
    RedemptionOut,
)

router = Router(tags=["vouchers"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


@router.post(
    "/provider/redemptions", response={200: RedemptionOut, 201: RedemptionOut, **ERRORS}, auth=provider_auth
)
def redeem(
    request,
    body: RedemptionIn,
    hold: bool = False,
    idempotency_key: str = Header("", alias="Idempotency-Key"),
):
    """Redeem a company's voucher against an invoice (``?hold=true`` to place a hold first)."""
    data = body.model_dump()
    data["invoice_amount_cny"] = str(data["invoice_amount_cny"])
    redemption, created = actions.check_redeem(request.auth, data, idempotency_key=idempotency_key, hold=hold)
    return Status(201 if created else 200, queries.redemption_out(redemption))


@router.post(
    "/provider/redemptions/{redemption_id}/capture",
    response={200: RedemptionOut, **ERRORS},
    auth=provider_auth,
)
def capture(request, redemption_id: RowId):
    return queries.redemption_out(actions.do_capture(request.auth, redemption_id))


@router.post(
    "/provider/redemptions/{redemption_id}/void", response={200: RedemptionOut, **ERRORS}, auth=provider_auth
)
def void(request, redemption_id: RowId):
    return queries.redemption_out(actions.do_void(request.auth, redemption_id))


@router.post(
    "/provider/redemptions/{redemption_id}/reverse",
    response={200: RedemptionOut, **ERRORS},
    auth=provider_auth,
)
def reverse(request, redemption_id: RowId):
    return queries.redemption_out(actions.do_reverse(request.auth, redemption_id))


@router.get("/provider/statements/{period}", response={200: None, 400: ErrorOut}, auth=provider_auth)
def provider_statement(request, period: str, format: str = "csv"):
    """Settlement statement for a month (``2026-11``), CSV or Excel, with city and district shares."""
    year_text, _, month_text = period.partition("-")
    year, month = whole_number(year_text), whole_number(month_text)
    if year is None or month is None or not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise InvalidInput("期间格式应为YYYY-MM", "period is YYYY-MM", field="period")
    rows = [
        [
            r.pk,
            r.created_at.strftime("%Y-%m-%d %H:%M"),
            r.grant.company.name,
            r.grant.company.credit_code,
            r.kind,
            r.invoice_no,
            r.contract_no,
            fen_to_yuan(r.invoice_amount_fen),
            fen_to_yuan(r.subsidy_fen),
            fen_to_yuan(r.city_fen),
            fen_to_yuan(r.district_fen),
            r.status,
        ]
        for r in queries.statement(request.auth, year, month)
    ]
    head = [
        "编号 id",
        "时间 at",
        "企业 company",
        "信用代码 credit code",
        "券种 kind",
        "发票 invoice",
        "合同 contract",
        "发票金额 invoice",
        "补贴 subsidy",
        "市级 city",
        "区级 district",
        "状态 status",
    ]
    return table_response(f"statement-{period}", head, rows, format)


@router.get("/me/vouchers", response={200: MyVouchersOut, 404: ErrorOut}, auth=founder_auth)
def my_vouchers(request):
    company = company_of(request.auth)
    if company is None:
        raise NotFound("请先登记企业信息", "Register your company first", code="no_company")
    return queries.company_vouchers(company)


def _officer(request) -> None:
    if not has_role(request.auth, "voucher_officer"):
        raise AccessDenied("仅券务专员可以查看", "Only voucher officers may see this")


@router.post(
    "/staff/vouchers/grants", response={201: GrantOut, 202: GrantProposalOut, **ERRORS}, auth=founder_auth
)
def issue_grant(request, body: GrantIn):
    # The role first: answering 404 or 403 by the code would tell anyone which are registered.
    _officer(request)
    company = Company.objects.filter(
        credit_code=parse_credit_code(body.company_credit_code, "company_credit_code")
    ).first()
    if company is None:
        raise NotFound("未找到该企业", "No such company", field="company_credit_code")
    made = actions.check_issue_grant(
        request.auth, company=company, kind=body.kind, amount_fen=yuan_to_fen(str(body.amount_cny))
    )
    if isinstance(made, GrantProposal):
        return Status(202, proposal_out(made))  # above the four-eyes figure: a second officer decides
    return Status(201, _grant_out(made))


def _grant_out(grant) -> dict:
    return next(g for g in queries.company_vouchers(grant.company)["grants"] if g["id"] == grant.pk)


def proposal_out(p: GrantProposal) -> dict:
    return {
        "id": p.pk,
        "company_id": p.company_id,
        "company_name": p.company.name,
        "kind": p.kind,
        "amount_cny": fen_to_yuan(p.amount_fen),
        "status": p.status,
        "proposed_by": p.proposed_by_id,
        "decided_by": p.decided_by_id,
        "grant_id": p.grant_id,
        "created_at": p.created_at,
    }


@router.get(
    "/staff/vouchers/grant-proposals", response={200: list[GrantProposalOut], **ERRORS}, auth=founder_auth
)
def grant_proposals(request):
    """Grants waiting for a second voucher officer, oldest first."""
    _officer(request)
    return [proposal_out(p) for p in queries.pending_grant_proposals()[:500]]


@router.post(
    "/staff/vouchers/grant-proposals/{proposal_id}/approve",
    response={201: GrantOut, **ERRORS},
    auth=founder_auth,
)
def approve_grant(request, proposal_id: RowId):
    return Status(201, _grant_out(actions.check_approve_grant(request.auth, proposal_id)))


@router.post(
    "/staff/vouchers/grant-proposals/{proposal_id}/refuse",
    response={200: GrantProposalOut, **ERRORS},
    auth=founder_auth,
)
def refuse_grant(request, proposal_id: RowId):
    return proposal_out(actions.check_refuse_grant(request.auth, proposal_id))


@router.get("/staff/vouchers/report", response={200: dict, 403: ErrorOut}, auth=founder_auth)
def report(request):
    _officer(request)
    return {
        "pools": queries.pool_report(),
        "expiring": [
            {
                "grant_id": g.pk,
                "company": g.company.name,
                "kind": g.kind,
                "valid_until": g.valid_until,
                "balance_cny": fen_to_yuan(g.account.balance_fen),
            }
            for g in queries.expiring_grants()
        ],
        "reconciliation": queries.reconcile(),
    }
