"""Officers for companies: one officer a company, assigned by town admins or by caseload."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q

from beiyang.accounts.roles import has_role
from beiyang.companies.actions import check_no_conflict_of_interest
from beiyang.companies.models import Company
from beiyang.companies.queries import conflict_of_interest, member_ids
from beiyang.core.audit import log_action
from beiyang.core.errors import AccessDenied, Conflict, InvalidInput, NotFound
from beiyang.notifications.actions import do_send_message
from beiyang.service.actions.access import ROLE
from beiyang.service.models import LIVE, OfficerAssignment, ServiceRequest


def officers():
    """Active staff holding the officer role (town admins supervise; they are not given companies)."""
    return get_user_model().objects.filter(groups__name=ROLE, is_active=True, is_staff=True).distinct()


def caseloads() -> list[Any]:
    """Officers with ``companies`` and ``open_requests`` counted, least loaded first."""
    return list(
        officers()
        .annotate(
            companies=Count("served_companies", distinct=True),
            open_requests=Count("service_cases", filter=Q(service_cases__status__in=LIVE), distinct=True),
        )
        .order_by("companies", "open_requests", "id")
    )


def _require_admin(staff) -> None:
    if not getattr(staff, "is_staff", False):
        # A founder learns nothing about other companies, not even that the id exists.
        raise NotFound("企业不存在", "No such company", field="company_id")
    if not has_role(staff, "town_admin"):
        raise AccessDenied("仅小镇管理员可以指派服务专员", "Only town administrators assign officers")


def set_officer(company: Company, officer, actor) -> OfficerAssignment:
    """Helper inside the caller's transaction: assign, move the company's open requests along, tell
    the officer and the founders."""
    assignment = OfficerAssignment.objects.select_for_update().filter(company=company).first()
    before = assignment.officer_id if assignment else None
    if assignment is None:
        assignment = OfficerAssignment(company=company)
    assignment.officer, assignment.assigned_by = officer, actor if getattr(actor, "pk", None) else None
    assignment.save()
    moved = list(
        ServiceRequest.objects.filter(company=company, status__in=LIVE)
        .exclude(officer=officer)
        .values_list("id", flat=True)
    )
    ServiceRequest.objects.filter(pk__in=moved).update(officer=officer)
    log_action(
        "service.officer.assigned",
        actor=actor,
        actor_label="" if getattr(actor, "pk", None) else "auto",
        obj=company,
        officer_id=officer.pk,
        was=before,
        requests_moved=moved,
    )
    if before != officer.pk:
        do_send_message(
            officer.pk,
            kind="service",
            title=f"您有新的服务企业:{company.name}",
            body="请尽快与企业取得联系。",
            title_en=f"A company for you to serve: {company.name}",
            link=f"/staff/companies/{company.pk}/",
            data={"company_id": company.pk},
        )
        for user_id in member_ids(company):
            do_send_message(
                user_id,
                kind="service",
                title=f"您的专属服务专员:{officer.name or officer.masked_phone}",
                body="“陪你一起跑”服务团队为您指定了专属服务专员,有事可随时发起服务请求。",
                title_en="Your service officer",
                link="/service/",
                data={"officer_id": officer.pk},
                channels=False,
            )
    return assignment


@transaction.atomic(durable=True)
def check_assign_officer(staff, company_id: int, officer_id: int | None) -> OfficerAssignment:
    """A town admin gives a company its officer (and its open requests with it)."""
    _require_admin(staff)
    if officer_id is None:
        raise InvalidInput("请选择服务专员", "user_id is required", field="user_id", code="required")
    company = Company.objects.select_for_update().filter(pk=company_id).first()
    if company is None:
        raise NotFound("企业不存在", "No such company", field="company_id")
    officer = officers().filter(pk=officer_id).first()
    if officer is None:
        raise InvalidInput("被指派人须为服务专员", "The user must be a service officer", field="user_id")
    check_no_conflict_of_interest(officer, company.pk, (company.name, company.name))
    return set_officer(company, officer, staff)


@transaction.atomic(durable=True)
def check_assign_balanced(staff, company_ids: list[int] | None = None) -> list[OfficerAssignment]:
    """Assign many companies at once (all without an officer when ``company_ids`` is None), each
    to the officer with the fewest companies at that moment."""
    _require_admin(staff)
    if company_ids is not None and not 1 <= len(company_ids) <= 1000:
        raise InvalidInput("请选择1到1000家企业", "Choose 1-1000 companies", field="company_ids")
    pool = caseloads()
    if not pool:
        raise Conflict("还没有服务专员", "There are no service officers yet", code="no_officers")
    loads = {o.pk: o.companies for o in pool}
    by_id = {o.pk: o for o in pool}
    qs = Company.objects.select_for_update().order_by("id")
    qs = (
        qs.filter(pk__in=company_ids)
        if company_ids is not None
        # a subquery, not a join: PostgreSQL will not lock the nullable side of an outer join
        else qs.exclude(pk__in=OfficerAssignment.objects.values("company_id"))
    )
    done = []
    for company in qs:
        current = (
            OfficerAssignment.objects.filter(company=company).values_list("officer_id", flat=True).first()
        )
        free = [pk for pk in loads if conflict_of_interest(by_id[pk], company.pk) is None]
        if not free:
            continue  # every officer belongs to it or is tied to it: a town admin decides
        if current in loads:
            loads[current] -= 1
        chosen = min(free, key=lambda pk: (loads[pk], pk))
        loads[chosen] += 1
        done.append(set_officer(company, by_id[chosen], staff))
    return done


def assign_new_company(company: Company) -> OfficerAssignment | None:
    """Helper inside the company's creation: the least-loaded officer, if there is one."""
    free = [o for o in caseloads() if conflict_of_interest(o, company.pk) is None]
    if not free:
        return None
    return set_officer(company, free[0], None)


def officer_of(company_id: int | None):
    if company_id is None:
        return None
    assignment = OfficerAssignment.objects.select_related("officer").filter(company_id=company_id).first()
    return assignment.officer if assignment else None
