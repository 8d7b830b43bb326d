from __future__ import annotations

from ninja import File, Router, Status
from ninja.files import UploadedFile

from beiyang.accounts.auth import founder_auth
from beiyang.accounts.roles import require_town_admin
from beiyang.competitions import actions, queries
from beiyang.competitions.models import Competition, Entry
from beiyang.competitions.schemas import (
    CloseIn,
    CompetitionIn,
    CompetitionOut,
    ConflictIn,
    EntryIn,
    EntryOut,
    InterestIn,
    JudgeIn,
    RoundAssignIn,
    RoundNumber,
    ScoresIn,
)
from beiyang.core.money import fen_to_yuan
from beiyang.core.numbers import RowId
from beiyang.core.schemas import ErrorOut

router = Router(tags=["competitions"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def competition_out(c: Competition) -> dict:
    return {
        "id": c.pk,
        "title": c.title,
        "prize_pool_cny": fen_to_yuan(c.prize_pool_fen),
        "rubric": c.rubric,
        "tracks": c.tracks,
        "prizes": [{"label": p["label"], "amount_cny": str(fen_to_yuan(p["amount_fen"]))} for p in c.prizes],
        "rounds": [
            {
                "number": r.number,
                "name": r.name,
                "starts_at": r.starts_at,
                "ends_at": r.ends_at,
                "advance": r.advance,
                "closed": bool(r.closed_at),
            }
            for r in c.rounds.all()
        ],
    }


def entry_out(e: Entry) -> dict:
    return {
        "id": e.pk,
        "competition_id": e.competition_id,
        "project": e.project,
        "summary": e.summary,
        "track": e.track,
        "status": e.status,
        "reached_round": e.reached_round,
        "final_rank": e.final_rank,
        "prize_label": e.prize_label,
        "prize_cny": fen_to_yuan(e.prize_fen) if e.prize_fen is not None else None,
        "has_deck": bool(e.deck),
    }


@router.post("/staff/competitions", response={201: CompetitionOut, **ERRORS}, auth=founder_auth)
def create_competition(request, body: CompetitionIn):
    competition = actions.do_create_competition(
        request.auth,
        title=body.title,
        prize_pool_cny=body.prize_pool_cny,
        rounds=[r.dict() for r in body.rounds],
        rubric=[c.dict() for c in body.rubric],
        tracks=body.tracks,
        prizes=[p.dict() for p in body.prizes],
    )
    return Status(201, competition_out(queries.competition_or_404(competition.pk)))


@router.get("/competitions", response=list[CompetitionOut], auth=founder_auth)
def list_competitions(request):
    return [competition_out(c) for c in queries.competitions()]


@router.get(
    "/competitions/{competition_id}", response={200: CompetitionOut, 404: ErrorOut}, auth=founder_auth
)
def get_competition(request, competition_id: RowId):
    return competition_out(queries.competition_or_404(competition_id))


@router.post("/competitions/{competition_id}/entries", response={201: EntryOut, **ERRORS}, auth=founder_auth)
def enter(request, competition_id: RowId, body: EntryIn):
    entry = actions.do_enter(
        request.auth, competition_id, project=body.project, summary=body.summary, track=body.track
    )
    return Status(201, entry_out(entry))


@router.post("/competition-entries/{entry_id}/deck", response={200: EntryOut, **ERRORS}, auth=founder_auth)
def upload_deck(request, entry_id: RowId, file: File[UploadedFile]):
    return entry_out(actions.do_upload_deck(request.auth, entry_id, file))


@router.get("/me/competition-entries", response=list[EntryOut], auth=founder_auth)
def my_entries(request):
    return [entry_out(e) for e in queries.entries_of(request.auth)]


@router.post("/staff/competitions/{competition_id}/judges", response={201: dict, **ERRORS}, auth=founder_auth)
def add_judge(request, competition_id: RowId, body: JudgeIn):
    judge = actions.do_add_judge(request.auth, competition_id, body.user_id)
    return Status(201, {"competition_id": competition_id, "user_id": judge.user_id})


@router.post("/staff/judge-interests", response={201: dict, **ERRORS}, auth=founder_auth)
def record_interest(request, body: InterestIn):
    interest = actions.do_record_interest(
        request.auth, user_id=body.user_id, company_id=body.company_id, note=body.note
    )
    return Status(201, {"id": interest.pk, "user_id": interest.user_id, "company_id": interest.company_id})


@router.post(
    "/staff/competitions/{competition_id}/conflicts", response={201: dict, **ERRORS}, auth=founder_auth
)
def declare_conflict(request, competition_id: RowId, body: ConflictIn):
    conflict = actions.do_declare_conflict(request.auth, competition_id, body.entry_id)
    return Status(
        201, {"entry_id": conflict.entry_id, "judge_id": conflict.judge_id, "source": conflict.source}
    )


@router.post(
    "/staff/competitions/{competition_id}/rounds/{number}/assign",
    response={200: dict, **ERRORS},
    auth=founder_auth,
)
def assign(request, competition_id: RowId, number: RoundNumber, body: RoundAssignIn):
    made = actions.check_assign_round(request.auth, competition_id, number, body.judges_per_entry)
    return {"assignments": [{"judge_id": a.judge_id, "entry_id": a.entry_id} for a in made]}


@router.get("/judge/assignments", response=list[dict], auth=founder_auth)
def my_sheets(request):
    return [
        {
            "competition_id": a.round.competition_id,
            "round": a.round.number,
            "entry_id": a.entry_id,
            "project": a.entry.project,
            "scored": a.scores is not None,
            "scores": a.scores,
            "comment": a.comment,
        }
        for a in queries.judge_assignments(request.auth)
    ]


@router.put("/judge/entries/{entry_id}/scores", response={200: dict, **ERRORS}, auth=founder_auth)
def score(request, entry_id: RowId, body: ScoresIn):
    sheet = actions.do_score(
        request.auth, entry_id, round_number=body.round, scores=body.scores, comment=body.comment
    )
    return {"entry_id": entry_id, "round": body.round, "scores": sheet.scores, "comment": sheet.comment}


@router.get(
    "/staff/competitions/{competition_id}/rounds/{number}/ranking",
    response={200: dict, **ERRORS},
    auth=founder_auth,
)
def ranking(request, competition_id: RowId, number: RoundNumber):
    require_town_admin(request.auth)
    return queries.round_ranking(queries.competition_or_404(competition_id), number)


@router.post(
    "/staff/competitions/{competition_id}/rounds/{number}/close",
    response={200: dict, **ERRORS},
    auth=founder_auth,
)
def close(request, competition_id: RowId, number: RoundNumber, body: CloseIn):
    return actions.check_close_round(
        request.auth, competition_id, number, override_reason=body.override_reason
    )
