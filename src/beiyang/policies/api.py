from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema

from beiyang.accounts.auth import founder_auth
from beiyang.accounts.roles import has_role
from beiyang.companies.queries import company_of
from beiyang.core.errors import AccessDenied, NotFound
from beiyang.core.numbers import RowId
from beiyang.core.schemas import ErrorOut
from beiyang.policies import actions, queries
from beiyang.policies.schemas import EvaluateIn, EvaluationOut, PackVersionOut, PolicyOut

router = Router(tags=["benefits"])


def policy_out(pack, policy) -> dict:
    return {
        "id": policy.id,
        "title": policy.title.zh,
        "title_en": policy.title.en,
        "summary": policy.summary.zh,
        "summary_en": policy.summary.en,
        "level": list(policy.level),
        "kind": policy.kind,
        "provider": policy.provider.zh,
        "how_to_apply": policy.method,
        "documents": list(policy.documents),
        "citations": [pack.sources[s].as_dict() for s in policy.sources],
    }


@router.post("/benefits/evaluate", response={200: EvaluationOut, 400: ErrorOut}, auth=None)
def evaluate(request: HttpRequest, body: EvaluateIn):
    """Anonymous calculator: a profile in, every benefit with reasons and citations out."""
    profile = body.model_dump(exclude_unset=True, exclude={"as_of", "policies"})
    return queries.evaluate_profile(profile, body.as_of, body.policies).to_dict()


@router.get("/benefits/policies", response=list[PolicyOut], auth=None)
def list_policies(request: HttpRequest):
    pack = queries.current_pack()
    return [policy_out(pack, p) for p in pack.policies.values()]


@router.get("/benefits/policies/{policy_id}", response={200: PolicyOut, 404: ErrorOut}, auth=None)
def get_policy(request: HttpRequest, policy_id: str):
    pack = queries.current_pack()
    return policy_out(pack, queries.policy_or_404(pack, policy_id))


@router.get("/me/benefits", response={200: EvaluationOut, 404: ErrorOut}, auth=founder_auth)
def my_benefits(request: HttpRequest):
    company = company_of(request.auth)
    if company is None:
        raise NotFound("请先登记企业信息", "Register your company first", field="company", code="no_company")
    return queries.evaluate_company(company).to_dict()


def _require_admin(request) -> None:
    if not has_role(request.auth, "town_admin"):
        raise AccessDenied("仅小镇管理员可管理政策包", "Only town administrators manage policy packs")


@router.get("/staff/packs", response={200: list[PackVersionOut], 403: ErrorOut}, auth=founder_auth)
def list_versions(request: HttpRequest):
    _require_admin(request)
    return queries.pack_versions()


class DiffQuery(Schema):
    against: RowId | None = None


@router.get(
    "/staff/packs/{version_id}/diff", response={200: dict, 403: ErrorOut, 404: ErrorOut}, auth=founder_auth
)
def diff_version(request: HttpRequest, version_id: RowId, q: Query[DiffQuery]):
    """The change from the published version (or ``against``) to this one, and who gains or loses."""
    _require_admin(request)
    new = queries.pack_for_version(queries.access_version(version_id))
    base = queries.access_version(q.against) if q.against else queries.published_version()
    old = queries.pack_for_version(queries.access_version(base.pk)) if base else queries.disk_pack()
    return {"diff": queries.diff_packs(old, new), "preview": queries.preview_change(old, new)}


@router.post(
    "/staff/packs/{version_id}/publish",
    response={200: PackVersionOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    auth=founder_auth,
)
def publish_version(request: HttpRequest, version_id: RowId):
    return actions.check_publish_pack_version(request.auth, version_id)
