from __future__ import annotations

from ninja import Query, Router, Schema, Status

from beiyang.accounts.auth import founder_auth
from beiyang.companies.queries import company_of
from beiyang.core.numbers import RowId, bounded_int
from beiyang.core.schemas import ErrorOut
from beiyang.matching import actions, queries
from beiyang.matching.schemas import AnswerIn, CohortIn, IntroIn, IntroOut, MatchOut

router = Router(tags=["matching"])


class MatchQuery(Schema):
    kind: str
    need: str = ""
    limit: bounded_int(1, 100) = 10


def intro_out(i) -> dict:
    return {
        "id": i.pk,
        "target_id": i.target_id,
        "target_name": i.target.name,
        "status": i.status,
        "message": i.message,
        "created_at": i.created_at,
    }


@router.get("/matches", response={200: list[MatchOut], 400: ErrorOut}, auth=founder_auth)
def matches(request, q: Query[MatchQuery]):
    return queries.rank(q.kind, company_of(request.auth), q.need, q.limit)


@router.post(
    "/intros", response={201: IntroOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut}, auth=founder_auth
)
def request_intro(request, body: IntroIn):
    return Status(
        201, intro_out(actions.do_request_intro(request.auth, target_id=body.target_id, message=body.message))
    )


@router.get("/me/intros", response=list[IntroOut], auth=founder_auth)
def my_intros(request):
    return [intro_out(i) for i in queries.my_intros(request.auth)]


@router.post(
    "/intros/{intro_id}/answer",
    response={200: IntroOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    auth=founder_auth,
)
def answer(request, intro_id: RowId, body: AnswerIn):
    return intro_out(actions.check_answer_intro(request.auth, intro_id, body.outcome))


@router.post(
    "/staff/cohort-assignments",
    response={200: dict, 400: ErrorOut, 403: ErrorOut, 409: ErrorOut},
    auth=founder_auth,
)
def cohort(request, body: CohortIn):
    return actions.check_cohort_assignment(
        request.auth, company_ids=body.company_ids, mentor_ids=body.mentor_ids, need=body.need
    )
