from __future__ import annotations

from django.db.models import QuerySet

from beiyang.accounts.models import User
from beiyang.companies.models import Company, Membership


def company_of(user: User) -> Company | None:
    if not user.is_authenticated:
        return None
    membership = Membership.objects.select_related("company").filter(user=user).first()
    return membership.company if membership else None


def company_members(company: Company) -> QuerySet[Membership]:
    return company.memberships.select_related("user").order_by("id")
