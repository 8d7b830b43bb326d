"""Answers the vouchers app gives the company base."""

from __future__ import annotations

import datetime as dt
from typing import Any

from beiyang.companies.models import Company
from beiyang.vouchers.models import KINDS, Grant, Redemption
from beiyang.vouchers.queries import granted_this_year_cny


def credit_code_in_use(sender: type[Company], company: Company, **kwargs: Any) -> bool:
    """A voucher grant to the company, or a redemption against one, names its credit code."""
    return (
        Grant.objects.filter(company=company).exists()
        or Redemption.objects.filter(grant__company=company).exists()
    )


def company_facts(sender: type[Company], company: Company, as_of: dt.date, **kwargs: Any) -> dict[str, Any]:
    """What the company was granted this year under the shared voucher ceiling."""
    return {"voucher_granted_cny": granted_this_year_cny(company, as_of.year)}


def voucher_kinds(sender: Any, **kwargs: Any) -> list[str]:
    """The voucher kinds of the town's pack, for the providers who accept them."""
    return list(KINDS)
