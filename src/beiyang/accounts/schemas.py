from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from beiyang.core.schemas import StrictSchema


class SignupIn(StrictSchema):
    phone: str = Field(max_length=32, examples=["13800138000"])
    password: str = Field(max_length=128)
    name: str = Field("", max_length=80)
    email: str = Field("", max_length=254)
    birth_date: dt.date | None = None
    resident_id: str | None = Field(None, max_length=32)


class SignupOut(Schema):
    user_id: int
    token: str


class PasswordLoginIn(StrictSchema):
    phone: str = Field(max_length=32)
    password: str = Field(max_length=128)


class SmsCodeIn(StrictSchema):
    phone: str = Field(max_length=32)


class SmsCodeOut(Schema):
    sent: bool
    expires_in: int
    resend_after: int


class SmsLoginIn(StrictSchema):
    phone: str = Field(max_length=32)
    code: str = Field(max_length=12)


class TokenOut(Schema):
    token: str


class TokenInfoOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None


class MeOut(Schema):
    id: int
    phone: str
    name: str
    email: str
    birth_date: dt.date | None
    age: int | None
    resident_id_masked: str | None
    roles: list[str]
    company_id: int | None


class MeIn(StrictSchema):
    name: str | None = Field(None, max_length=80)
    email: str | None = Field(None, max_length=254)
    birth_date: dt.date | None = None
    resident_id: str | None = Field(None, max_length=32)
