from __future__ import annotations

from ninja import Router, Status

from beiyang.accounts.auth import founder_auth
from beiyang.companies import actions, queries
from beiyang.companies.models import Company
from beiyang.companies.schemas import CompanyIn, CompanyOut, CreditCodeCorrectionIn, StaffTieIn, StaffTieOut
from beiyang.core.errors import NotFound
from beiyang.core.numbers import RowId
from beiyang.core.schemas import ErrorOut

router = Router(tags=["companies"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def company_out(company: Company) -> dict:
    return {
        **{
            f: getattr(company, f)
            for f in (
                "id",
                "name",
                "credit_code",
                "district",
                "address",
                "founded_on",
                "stage",
                "sectors",
                "headcount",
                "programmes",
                "in_town",
            )
        },
        "members": [
            {"user_id": m.user_id, "name": m.user.name, "role": m.role}
            for m in queries.company_members(company)
        ],
    }


def _body(body: CompanyIn) -> dict:
    # Only the fields the caller sent; ``null`` clears optional ones.
    return body.model_dump(exclude_unset=True)


@router.get("/me/company", response={200: CompanyOut, 404: ErrorOut}, auth=founder_auth)
def get_my_company(request):
    company = queries.company_of(request.auth)
    if company is None:
        raise NotFound("您还没有登记企业", "You have not registered a company yet", code="no_company")
    return company_out(company)


@router.put("/me/company", response={200: CompanyOut, 400: ErrorOut, 409: ErrorOut}, auth=founder_auth)
def put_my_company(request, body: CompanyIn):
    return company_out(actions.do_save_my_company(request.auth, _body(body)))


@router.get("/companies/{company_id}", response={200: CompanyOut, 404: ErrorOut}, auth=founder_auth)
def get_company(request, company_id: RowId):
    return company_out(actions.access_company(request.auth, company_id))


@router.put(
    "/companies/{company_id}",
    response={200: CompanyOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    auth=founder_auth,
)
def put_company(request, company_id: RowId, body: CompanyIn):
    return company_out(actions.check_update_company(request.auth, company_id, _body(body)))


@router.post(
    "/staff/companies/{company_id}/credit-code",
    response={200: CompanyOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    auth=founder_auth,
)
def correct_credit_code(request, company_id: RowId, body: CreditCodeCorrectionIn):
    """A town admin corrects a company's credit code (frozen for founders once it has an
    application, grant or redemption); the reason goes into the audit log."""
    return company_out(
        actions.check_correct_credit_code(request.auth, company_id, body.credit_code, reason=body.reason)
    )


@router.post("/staff/staff-ties", response={201: StaffTieOut, **ERRORS}, auth=founder_auth)
def record_staff_tie(request, body: StaffTieIn):
    """A staff member's tie to a company: keeps them off its grants, applications and requests."""
    tie = actions.check_record_staff_tie(
        request.auth, user_id=body.user_id, company_id=body.company_id, note=body.note
    )
    return Status(201, {"id": tie.pk, "user_id": tie.user_id, "company_id": tie.company_id, "note": tie.note})
