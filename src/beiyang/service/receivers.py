"""What the service team does when the company base says something happened."""

from __future__ import annotations

from typing import Any

from beiyang.companies.models import Company
from beiyang.service.actions import assign_new_company
from beiyang.service.models import CATEGORIES


def on_company_created(sender: type[Company], company: Company, **kwargs: Any) -> None:
    # 陪你一起跑: a new company gets the least-loaded service officer, in the same transaction.
    assign_new_company(company)


def parameters_required(sender: Any, **kwargs: Any) -> list[str]:
    """The clocks of each request category, which every town's pack sets."""
    return [
        name
        for category in CATEGORIES
        for name in (f"service.first_response_hours.{category}", f"service.resolve_days.{category}")
    ]
