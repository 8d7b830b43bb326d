from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from ninja import Field, Schema
from pydantic import BeforeValidator

from beiyang.core.money import YuanIn
from beiyang.core.numbers import RowId, bounded_int, not_a_flag
from beiyang.core.schemas import BoundedDateTime

# A round's number in its competition, in a path or a body.
RoundNumber = bounded_int(1, 1000)
# A judge's mark for one criterion: a number (JSON true is not 1.0); the action checks it
# against the criterion's own range, naming the criterion.
Score = Annotated[float, Field(allow_inf_nan=False), BeforeValidator(not_a_flag)]


class RoundIn(Schema):
    name: str = Field(max_length=80)
    starts_at: BoundedDateTime
    ends_at: BoundedDateTime
    advance: bounded_int(1, 10_000)


class CriterionIn(Schema):
    id: str = Field(min_length=1, max_length=40)
    label: str = Field(default="", max_length=80)
    weight: float = Field(gt=0, le=1000)
    max: float = Field(gt=0, le=1000)


class PrizeIn(Schema):
    label: str = Field(default="", max_length=80)
    amount_cny: YuanIn


class CompetitionIn(Schema):
    title: str = Field(max_length=160)
    prize_pool_cny: YuanIn
    rounds: list[RoundIn] = Field(max_length=20)
    rubric: list[CriterionIn] = Field(max_length=30)
    tracks: list[str] = Field(default_factory=list, max_length=20)
    prizes: list[PrizeIn] = Field(default_factory=list, max_length=50)


class RoundOut(Schema):
    number: int
    name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    advance: int
    closed: bool


class CompetitionOut(Schema):
    id: int
    title: str
    prize_pool_cny: Decimal
    rubric: list[dict]
    tracks: list[str]
    prizes: list[dict]
    rounds: list[RoundOut]


class EntryIn(Schema):
    project: str = Field(max_length=160)
    summary: str = Field(max_length=4000)
    track: str = Field(default="", max_length=60)


class EntryOut(Schema):
    id: int
    competition_id: int
    project: str
    summary: str
    track: str
    status: str
    reached_round: int
    final_rank: int | None
    prize_label: str
    prize_cny: Decimal | None
    has_deck: bool


class JudgeIn(Schema):
    user_id: RowId


class ConflictIn(Schema):
    entry_id: RowId


class InterestIn(Schema):
    user_id: RowId
    company_id: RowId
    note: str = Field(default="", max_length=200)


class RoundAssignIn(Schema):
    judges_per_entry: bounded_int(1, 20)


class ScoresIn(Schema):
    round: RoundNumber
    scores: dict[str, Score] = Field(max_length=30)
    comment: str = Field(default="", max_length=2000)


class CloseIn(Schema):
    override_reason: str = Field(default="", max_length=2000)
