from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from beiyang.accounts.roles import has_role
from beiyang.companies.models import Company, Membership
from beiyang.core.errors import AccessDenied, InvalidInput, NotFound
from beiyang.core.numbers import ASSIGNEE_WORDS, read_id
from beiyang.service.models import CATEGORIES, LIVE, SOURCES, STATUSES, OfficerAssignment, ServiceRequest

CLOCK_LABELS = {
    "on_time": ("按时", "On time"),
    "due_soon": ("即将到期", "Due soon"),
    "breached": ("已超时", "Overdue"),
    "paused": ("等待补充,计时暂停", "Paused, waiting for the founder"),
    "closed": ("已办结", "Closed"),
}
AGE_BUCKETS = [(1, "1天内", "under 1 day"), (3, "1–3天", "1–3 days"), (7, "3–7天", "3–7 days")]


def clock(request: ServiceRequest, now: dt.datetime | None = None) -> str:
    now = now or timezone.now()
    if request.status == "resolved":
        return "closed"
    if request.status == "waiting_founder":
        return "paused"
    due = request.first_response_due if request.first_responded_at is None else request.resolve_due
    if due is None:
        return "on_time"
    if now > due:
        return "breached"
    if due - now <= dt.timedelta(hours=24):
        return "due_soon"
    return "on_time"


def my_requests(user) -> QuerySet[ServiceRequest]:
    mine = Membership.objects.filter(user=user).values("company_id")
    return (
        ServiceRequest.objects.filter(Q(requester=user) | Q(company_id__in=mine))
        .select_related("officer")
        .order_by("-id")
    )


def staff_queue(
    staff,
    *,
    assignee: str | None = None,
    status: str | None = None,
    category: str | None = None,
    source: str | None = None,
) -> QuerySet[ServiceRequest]:
    """What the officer may see, live first by the nearest limit. ``assignee``: me, none or an id;
    ``source``: portal, or agent for the agent's handovers."""
    from beiyang.service.actions import require_officer, visible_to

    require_officer(staff)
    qs = ServiceRequest.objects.filter(visible_to(staff)).select_related("company", "officer")
    qs = qs.filter(status=status) if status else qs.filter(status__in=LIVE)
    if category:
        qs = qs.filter(category=category)
    if source:
        if source not in SOURCES:
            raise InvalidInput("来源应为 portal 或 agent", "source is portal or agent", field="source")
        qs = qs.filter(source=source)
    if assignee == "me":
        qs = qs.filter(officer=staff)
    elif assignee == "none":
        qs = qs.filter(officer__isnull=True)
    elif assignee not in (None, ""):
        qs = qs.filter(
            officer_id=read_id(
                assignee, "assignee", label=ASSIGNEE_WORDS, also="me 或 none", also_en="me or none"
            )
        )
    return qs.order_by("resolve_due", "id")


EXPORT_HEAD = [
    "编号 id",
    "企业 company",
    "类别 category",
    "标题 title",
    "状态 status",
    "服务专员 officer",
    "提出时间 opened",
    "首次回复 first reply",
    "首次回复时限 first reply due",
    "办结时间 resolved",
    "办结时限 resolve by",
    "按时办结 on time",
    "评分 rating",
]


def export_rows(staff, *, status: str | None = None) -> list[list[Any]]:
    """The requests the officer may see (live ones, or those of ``status``), with their clocks,
    for a spreadsheet: times local, labels in Chinese and English."""

    def at(when):
        return timezone.localtime(when).strftime("%Y-%m-%d %H:%M") if when else ""

    rows = []
    for r in staff_queue(staff, status=status)[:10_000]:
        on_time = (
            ""
            if not (r.resolved_at and r.resolve_due)
            else ("是 yes" if r.resolved_at <= r.resolve_due else "否 no")
        )
        rows.append(
            [
                r.pk,
                r.company.name if r.company else "",
                " ".join(CATEGORIES.get(r.category, (r.category,))),
                r.title,
                " ".join(STATUSES.get(r.status, (r.status,))),
                (r.officer.name or r.officer.masked_phone) if r.officer else "",
                at(r.created_at),
                at(r.first_responded_at),
                at(r.first_response_due),
                at(r.resolved_at),
                at(r.resolve_due),
                on_time,
                r.rating if r.rating is not None else "",
            ]
        )
    return rows


def officer_card(user) -> dict[str, Any] | None:
    """The founder's officer: name and how to reach them."""
    assignment = (
        OfficerAssignment.objects.select_related("officer")
        .filter(company_id__in=Membership.objects.filter(user=user).values("company_id"))
        .first()
    )
    if assignment is None:
        return None
    officer = assignment.officer
    return {
        "id": officer.pk,
        "name": officer.name or "服务专员",
        "phone": officer.phone,
        "email": officer.email,
        "assigned_at": assignment.assigned_at,
    }


def access_staff_company(staff, company_id: int) -> Company:
    """A company for its officer (or a town admin); 404 for an officer who does not serve it."""
    if not has_role(staff, "service_officer"):
        if not getattr(staff, "is_staff", False):  # a founder: as if the company did not exist
            raise NotFound("企业不存在", "No such company", field="company_id")
        raise AccessDenied("仅服务专员可以查看", "Service officers only")
    company = Company.objects.filter(pk=company_id).first()
    serves = (
        has_role(staff, "town_admin")
        or OfficerAssignment.objects.filter(company_id=company_id, officer=staff).exists()
    )
    if company is None or not serves:
        raise NotFound("企业不存在", "No such company", field="company_id")
    return company


def served_companies(staff) -> QuerySet[Company]:
    """The companies an officer serves, with their open requests counted."""
    return (
        Company.objects.filter(officer_assignment__officer=staff)
        .annotate(open_requests=Count("service_requests", filter=Q(service_requests__status__in=LIVE)))
        .order_by("-open_requests", "name")
    )


def _entry(at, kind: str, title: str, title_en: str, link: str) -> dict[str, Any]:
    return {"at": at, "kind": kind, "title": title, "title_en": title_en, "link": link}


def timeline(company: Company, *, staff: bool = False, limit: int = 200) -> list[dict[str, Any]]:
    """Everything the town has done with one company, newest first, each linking to its page."""
    from beiyang.applications.models import STATUSES as APP_STATUSES
    from beiyang.applications.models import Application
    from beiyang.events.models import Registration
    from beiyang.matching.models import IntroRequest
    from beiyang.policies.queries import current_pack
    from beiyang.vouchers.models import KINDS, Grant, Redemption

    pack = current_pack()

    def policy_title(policy_id: str) -> tuple[str, str]:
        policy = pack.policies.get(policy_id)
        return (policy.title.zh, policy.title.en) if policy else ("申请", "Application")

    items: list[dict[str, Any]] = []
    for a in Application.objects.filter(company=company).exclude(submitted_at__isnull=True):
        zh, en = policy_title(a.policy_id)
        link = f"/applications/{a.pk}/" if not staff else "/staff/applications/"
        items.append(_entry(a.submitted_at, "application", f"提交申请:{zh}", f"Applied: {en}", link))
        if a.decided_at:
            label = APP_STATUSES.get(a.status, (a.status, a.status))
            items.append(
                _entry(
                    a.decided_at,
                    "decision",
                    f"申请{label[0]}:{zh}",
                    f"Application {label[1].lower()}: {en}",
                    link,
                )
            )
    for r in Registration.objects.filter(company=company).select_related("event"):
        link = f"/events/{r.event_id}/"
        items.append(
            _entry(
                r.created_at,
                "registration",
                f"报名活动:{r.event.title}",
                f"Registered: {r.event.title_en or r.event.title}",
                link,
            )
        )
        if r.checked_in_at:
            items.append(
                _entry(
                    r.checked_in_at,
                    "checkin",
                    f"活动签到:{r.event.title}",
                    f"Checked in: {r.event.title_en or r.event.title}",
                    link,
                )
            )
    for g in Grant.objects.filter(company=company):
        zh, en = KINDS.get(g.kind, (g.kind, g.kind))[:2]
        items.append(
            _entry(
                g.created_at,
                "grant",
                f"获得{zh}额度 {g.amount_fen / 100:,.2f}元",
                f"{en} granted: CNY {g.amount_fen / 100:,.2f}",
                "/vouchers/",
            )
        )
    for x in Redemption.objects.filter(grant__company=company).select_related("provider"):
        items.append(
            _entry(
                x.created_at,
                "redemption",
                f"使用补贴 {x.subsidy_fen / 100:,.2f}元 · {x.provider.name}",
                f"Voucher used: CNY {x.subsidy_fen / 100:,.2f} at {x.provider.name}",
                "/vouchers/",
            )
        )
    for s in ServiceRequest.objects.filter(company=company):
        link = f"/staff/service/{s.pk}/" if staff else f"/service/{s.pk}/"
        cat = CATEGORIES[s.category]
        items.append(
            _entry(
                s.created_at,
                "service",
                f"发起服务请求({cat[0]}):{s.title}",
                f"Service request ({cat[1]}): {s.title}",
                link,
            )
        )
        if s.resolved_at:
            items.append(
                _entry(
                    s.resolved_at,
                    "service_resolved",
                    f"服务请求已办结:{s.title}",
                    f"Service request resolved: {s.title}",
                    link,
                )
            )
    for i in IntroRequest.objects.filter(company=company).select_related("target"):
        name = getattr(i.target, "name", "") or ""
        items.append(
            _entry(
                i.created_at, "intro", f"申请对接引荐:{name}", f"Introduction requested: {name}", "/matches/"
            )
        )
    items.sort(key=lambda e: e["at"], reverse=True)
    return items[:limit]


def _minutes(a: dt.datetime, b: dt.datetime) -> int:
    return int((b - a).total_seconds() // 60)


def figures(now: dt.datetime | None = None) -> dict[str, Any]:
    """For the staff dashboard: open by category and age, times against limits, satisfaction,
    caseload per officer."""
    from beiyang.service.actions import caseloads

    now = now or timezone.now()
    live = list(ServiceRequest.objects.filter(status__in=LIVE).only("category", "created_at"))
    by_category = Counter(r.category for r in live)
    ages = Counter()
    for r in live:
        days = (now - r.created_at).total_seconds() / 86400
        bucket = next((zh for limit, zh, _en in AGE_BUCKETS if days < limit), "7天以上")
        ages[bucket] += 1
    responded = list(
        ServiceRequest.objects.filter(first_responded_at__isnull=False).only(
            "created_at", "first_responded_at", "first_response_due"
        )
    )
    resolved = list(
        ServiceRequest.objects.filter(resolved_at__isnull=False).only(
            "created_at", "resolved_at", "resolve_due"
        )
    )
    rated = ServiceRequest.objects.filter(rating__isnull=False).aggregate(avg=Avg("rating"), n=Count("id"))

    def share(rows, done: str, due: str):
        timed = [r for r in rows if getattr(r, due)]
        return (
            round(sum(getattr(r, done) <= getattr(r, due) for r in timed) / len(timed), 3) if timed else None
        )

    return {
        "open_by_category": [
            {"category": k, "label": v[0], "label_en": v[1], "count": by_category.get(k, 0)}
            for k, v in CATEGORIES.items()
        ],
        "open_by_age": [
            {"label": zh, "label_en": en, "count": ages.get(zh, 0)}
            for zh, en in [(b[1], b[2]) for b in AGE_BUCKETS] + [("7天以上", "over 7 days")]
        ],
        "first_response": {
            "count": len(responded),
            "median_minutes": statistics.median(
                [_minutes(r.created_at, r.first_responded_at) for r in responded]
            )
            if responded
            else None,
            "within_limit": share(responded, "first_responded_at", "first_response_due"),
        },
        "resolution": {
            "count": len(resolved),
            "median_hours": round(
                statistics.median([_minutes(r.created_at, r.resolved_at) for r in resolved]) / 60, 1
            )
            if resolved
            else None,
            "within_limit": share(resolved, "resolved_at", "resolve_due"),
        },
        "satisfaction": {
            "average": round(rated["avg"], 2) if rated["avg"] is not None else None,
            "ratings": rated["n"],
        },
        "caseload": [
            {
                "officer_id": o.pk,
                "name": o.name or o.masked_phone,
                "companies": o.companies,
                "open": o.open_requests,
            }
            for o in caseloads()
        ],
        "pool": ServiceRequest.objects.filter(status__in=LIVE, officer__isnull=True).count(),
    }
