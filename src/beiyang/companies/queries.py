from __future__ import annotations

from django.db.models import QuerySet

from beiyang.accounts.models import User
from beiyang.companies.models import Company, Membership, StaffTie
from beiyang.companies.signals import credit_code_in_use


def company_of(user: User) -> Company | None:
    if not user.is_authenticated:
        return None
    membership = Membership.objects.select_related("company").filter(user=user).first()
    return membership.company if membership else None


def company_ids_of(user_ids) -> dict[int, int]:
    """The company of each of many people, in one query: user id → company id, for those who
    have one (their first membership, as ``company_of``)."""
    found: dict[int, int] = {}
    for user_id, company_id in (
        Membership.objects.filter(user_id__in=user_ids).order_by("id").values_list("user_id", "company_id")
    ):
        found.setdefault(user_id, company_id)
    return found


def member_ids(company) -> list[int]:
    """The user ids of a company's members (a company or its id): who is told about it."""
    company_id = company if isinstance(company, int) else company.pk
    return list(Membership.objects.filter(company_id=company_id).values_list("user_id", flat=True))


def company_members(company: Company) -> QuerySet[Membership]:
    return company.memberships.select_related("user").order_by("id")


def credit_code_frozen(company: Company) -> bool:
    """True once anything hangs on the company's credit code: an application (in any state), a
    voucher grant or a redemption against one. The apps that hold such things answer through
    ``credit_code_in_use``, so the company base names none of them."""
    return any(in_use for _receiver, in_use in credit_code_in_use.send(sender=Company, company=company))


def conflict_of_interest(user: User, company_id: int | None) -> str | None:
    """Why ``user`` may not act for the town on this company's grants, applications or service
    requests: ``"member"`` (they belong to it) or ``"tie"`` (a recorded tie); None when free."""
    if company_id is None or user is None or not getattr(user, "pk", None):
        return None
    if Membership.objects.filter(user=user, company_id=company_id).exists():
        return "member"
    if StaffTie.objects.filter(user=user, company_id=company_id).exists():
        return "tie"
    return None


def conflicted_pairs(user_ids) -> set[tuple[int, int]]:
    """(user id, company id) for every company each user belongs to or is tied to: the same rule
    as ``conflict_of_interest``, read at once for a batch (automatic assignment)."""
    users = list(user_ids)
    pairs = set(Membership.objects.filter(user_id__in=users).values_list("user_id", "company_id"))
    return pairs | set(StaffTie.objects.filter(user_id__in=users).values_list("user_id", "company_id"))
