from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from beiyang.core.money import YuanIn
from beiyang.core.schemas import StrictSchema


class RedemptionIn(StrictSchema):
    company_credit_code: str = Field(max_length=32)
    kind: str = Field(max_length=10)
    invoice_no: str = Field(max_length=64)
    invoice_amount_cny: YuanIn = Field(examples=["12000.00"])
    contract_no: str = Field(max_length=64)


class RedemptionOut(Schema):
    redemption_id: int
    status: str
    subsidy_cny: Decimal
    city_cny: Decimal
    district_cny: Decimal
    grant_balance_cny: Decimal
    invoice_no: str
    hold_expires_at: dt.datetime | None


class GrantOut(Schema):
    id: int
    kind: str
    kind_label: str
    amount_cny: Decimal
    balance_cny: Decimal
    held_cny: Decimal
    city_cny: Decimal
    district_cny: Decimal
    valid_until: dt.date
    status: str


class HistoryOut(Schema):
    id: int
    kind: str
    provider: str
    invoice_no: str
    invoice_amount_cny: Decimal
    subsidy_cny: Decimal
    status: str
    created_at: dt.datetime


class MyVouchersOut(Schema):
    grants: list[GrantOut]
    history: list[HistoryOut]


class GrantIn(StrictSchema):
    company_credit_code: str = Field(max_length=32)
    kind: str = Field(max_length=10)
    amount_cny: YuanIn


class GrantProposalOut(Schema):
    """A grant above the four-eyes figure, waiting for (or decided by) a second voucher officer."""

    id: int
    company_id: int
    company_name: str
    kind: str
    amount_cny: Decimal
    status: str
    proposed_by: int
    decided_by: int | None
    grant_id: int | None
    created_at: dt.datetime
