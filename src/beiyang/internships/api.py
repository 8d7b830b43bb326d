from __future__ import annotations

from ninja import Router, Status

from beiyang.accounts.auth import founder_auth
from beiyang.core.numbers import RowId
from beiyang.core.schemas import ErrorOut
from beiyang.internships import actions, queries
from beiyang.internships.models import Position
from beiyang.internships.schemas import (
    PositionIn,
    PositionOut,
    PositionRankingIn,
    StudentIn,
    StudentOut,
    StudentRankingIn,
)

router = Router(tags=["internships"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def position_out(p: Position) -> dict:
    return {
        "id": p.pk,
        "company_id": p.company_id,
        "company": p.company.name,
        "title": p.title,
        "skills": p.skills,
        "seats": p.seats,
        "months": p.months,
        "starts_on": p.starts_on,
        "is_open": p.is_open,
    }


@router.post("/internships", response={201: PositionOut, **ERRORS}, auth=founder_auth)
def post_position(request, body: PositionIn):
    position = actions.do_post_position(
        request.auth,
        title=body.title,
        skills=body.skills,
        seats=body.seats,
        months=body.months,
        starts_on=body.starts_on,
    )
    return Status(201, position_out(position))


@router.get("/internships", response=list[PositionOut], auth=founder_auth)
def open_positions(request):
    return [position_out(p) for p in queries.open_positions()]


@router.put("/me/student", response={200: StudentOut, **ERRORS}, auth=founder_auth)
def set_student(request, body: StudentIn):
    profile = actions.do_set_student(
        request.auth, school=body.school, programme=body.programme, skills=body.skills
    )
    return {"school": profile.school, "programme": profile.programme, "skills": profile.skills}


@router.post("/internships/{position_id}/applications", response={201: dict, **ERRORS}, auth=founder_auth)
def apply(request, position_id: RowId):
    application = actions.do_apply(request.auth, position_id)
    return Status(201, {"id": application.pk, "position_id": position_id})


@router.put("/me/internship-ranking", response={200: dict, **ERRORS}, auth=founder_auth)
def rank_positions(request, body: PositionRankingIn):
    return {"positions": actions.do_rank_positions(request.auth, body.positions)}


@router.put("/internships/{position_id}/ranking", response={200: dict, **ERRORS}, auth=founder_auth)
def rank_students(request, position_id: RowId, body: StudentRankingIn):
    return {"students": actions.do_rank_students(request.auth, position_id, body.students)}


@router.post("/staff/internship-rounds", response={201: dict, **ERRORS}, auth=founder_auth)
def open_round(request):
    round_ = actions.check_open_round(request.auth)
    return Status(201, {"id": round_.pk, "positions": list(round_.positions.values_list("id", flat=True))})


@router.post("/staff/internship-rounds/{round_id}/place", response={200: dict, **ERRORS}, auth=founder_auth)
def place(request, round_id: RowId):
    return actions.check_place(request.auth, round_id)
