from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from beiyang.core.numbers import RowId, bounded_int
from beiyang.core.schemas import StrictSchema


class RequestIn(StrictSchema):
    # Plain strings: the action checks them, so the page and the API give the same message.
    category: str = Field(max_length=40)
    title: str = Field("", max_length=500)
    description: str = Field("", max_length=8000)


class MessageIn(StrictSchema):
    text: str = Field("", max_length=8000)


class StaffReplyIn(StrictSchema):
    text: str = Field("", max_length=8000)
    wait_for_founder: bool = False


class RateIn(StrictSchema):
    rating: bounded_int(1, 5, strict=True)
    comment: str = Field("", max_length=2000)


class ReopenIn(StrictSchema):
    reason: str = Field("", max_length=8000)


class ResolveIn(StrictSchema):
    resolution: str = Field("", max_length=8000)


class ReassignIn(StrictSchema):
    officer_id: RowId | None


class OfficerIn(StrictSchema):
    # Optional here so that who may assign is checked before what was sent (a founder gets 404).
    user_id: RowId | None = None


class BalancedIn(StrictSchema):
    company_ids: list[RowId] | None = Field(None, max_length=1000)


class LabelOut(Schema):
    label: str
    label_en: str


class ThreadMessageOut(Schema):
    id: int
    role: str
    role_label: LabelOut
    author_id: int | None
    text: str
    file_name: str
    file_url: str | None
    created_at: dt.datetime


class RequestOut(Schema):
    id: int
    status: str
    status_label: LabelOut
    category: str
    category_label: LabelOut
    title: str
    description: str
    company_id: int | None
    officer_id: int | None
    officer_name: str | None
    source: str
    first_response_due: dt.datetime | None
    first_responded_at: dt.datetime | None
    resolve_due: dt.datetime | None
    due_estimated: bool
    clock: str
    clock_label: LabelOut
    resolution: str
    resolved_at: dt.datetime | None
    rating: int | None
    rating_comment: str
    can_rate: bool
    can_reopen: bool
    created_at: dt.datetime


class RequestDetailOut(RequestOut):
    messages: list[ThreadMessageOut]


class OfficerOut(Schema):
    id: int
    name: str
    phone: str
    email: str
    assigned_at: dt.datetime


class AssignmentOut(Schema):
    company_id: int
    officer_id: int
    assigned_at: dt.datetime


class TimelineEntryOut(Schema):
    at: dt.datetime
    kind: str
    title: str
    title_en: str
    link: str
