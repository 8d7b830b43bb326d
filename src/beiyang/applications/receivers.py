"""Answers the applications app gives the company base."""

from __future__ import annotations

from typing import Any

from beiyang.applications.models import Application
from beiyang.companies.models import Company


def credit_code_in_use(sender: type[Company], company: Company, **kwargs: Any) -> bool:
    """An application, in any state, names the company by its credit code."""
    return Application.objects.filter(company=company).exists()
