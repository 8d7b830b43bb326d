from __future__ import annotations

from django.db.models import QuerySet

from beiyang.accounts.models import User
from beiyang.companies.models import Company, Membership


def company_of(user: User) -> Company | None:
    if not user.is_authenticated:
        return None
    membership = Membership.objects.select_related("company").filter(user=user).first()
    return membership.company if membership else None


def companies_of(user_ids) -> dict[int, Company]:
    """``company_of`` for many people in one query: user id → company, for those who have one."""
    found: dict[int, Company] = {}
    for membership in (
        Membership.objects.select_related("company").filter(user_id__in=user_ids).order_by("id")
    ):
        found.setdefault(membership.user_id, membership.company)
    return found


def company_members(company: Company) -> QuerySet[Membership]:
    return company.memberships.select_related("user").order_by("id")
