"""Answers the vouchers app gives the company base."""

from __future__ import annotations

from typing import Any

from beiyang.companies.models import Company
from beiyang.vouchers.models import Grant, Redemption


def credit_code_in_use(sender: type[Company], company: Company, **kwargs: Any) -> bool:
    """A voucher grant to the company, or a redemption against one, names its credit code."""
    return (
        Grant.objects.filter(company=company).exists()
        or Redemption.objects.filter(grant__company=company).exists()
    )
