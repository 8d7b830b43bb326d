from __future__ import annotations

from typing import Any

import numpy as np
from django.db import IntegrityError, transaction
from django.utils import timezone
from scipy.optimize import linear_sum_assignment

from beiyang.accounts.roles import has_role
from beiyang.companies.models import Company
from beiyang.companies.queries import company_of, member_ids
from beiyang.core.audit import log_action
from beiyang.core.errors import AccessDenied, Conflict, InvalidInput, NotFound
from beiyang.matching.models import IntroRequest, MatchProfile
from beiyang.matching.queries import ROUND_SIZE, WEIGHTS, capacity_left, feedback_penalty, score
from beiyang.notifications.actions import do_send_message


@transaction.atomic(durable=True)
def do_request_intro(user, *, target_id: int, message: str = "") -> IntroRequest:
    company = company_of(user)
    if company is None:
        raise NotFound("请先登记企业信息", "Register your company first", code="no_company")
    target = MatchProfile.objects.select_for_update().filter(pk=target_id, is_active=True).first()
    if target is None:
        raise NotFound("对接对象不存在", "No such profile", field="target_id")
    if len(message or "") > 2000:
        raise InvalidInput("留言过长", "The message is too long", field="message")
    left = capacity_left([target])[target.pk]
    if left == 0:
        raise Conflict(
            "对方本月名额已满,请选择其他人或下月再试",
            "No capacity left this month",
            field="target_id",
            code="at_capacity",
        )
    try:
        with transaction.atomic():
            intro = IntroRequest.objects.create(
                founder=user, company=company, target=target, message=message or ""
            )
    except IntegrityError:
        raise Conflict(
            "已有待回复的引荐请求",
            "An intro request is already pending",
            field="target_id",
            code="already_requested",
        ) from None
    log_action("matching.intro.requested", actor=user, obj=intro, target_id=target.pk)
    if target.user_id:
        do_send_message(
            target.user_id,
            kind="match",
            title=f"新的引荐请求:{company.name}",
            body=message[:500],
            title_en=f"New intro request: {company.name}",
            link="/matches/",
        )
    return intro


def _may_answer(staff, intro: IntroRequest) -> bool:
    return intro.target.user_id == staff.pk or has_role(staff, "town_admin")


@transaction.atomic(durable=True)
def check_answer_intro(actor, intro_id: int, outcome: str) -> IntroRequest:
    """The mentor or investor (or staff on their behalf) accepts, declines, or records a no-show/meeting."""
    if outcome not in ("accepted", "declined", "no_show", "met"):
        raise InvalidInput(
            "结果应为 accepted、declined、no_show 或 met",
            "outcome is accepted, declined, no_show or met",
            field="outcome",
        )
    intro = (
        IntroRequest.objects.select_for_update()
        .select_related("target", "company")
        .filter(pk=intro_id)
        .first()
    )
    if intro is None or not _may_answer(actor, intro):
        raise NotFound("引荐请求不存在", "No such intro request", field="intro_id")
    allowed = {
        "accepted": {"requested"},
        "declined": {"requested"},
        "no_show": {"accepted"},
        "met": {"accepted"},
    }
    if intro.status not in allowed[outcome]:
        raise Conflict(
            "当前状态不能这样处理",
            f"A {intro.status} request cannot become {outcome}",
            code="invalid_transition",
        )
    if outcome == "accepted":
        MatchProfile.objects.select_for_update().get(pk=intro.target_id)
        if capacity_left([intro.target])[intro.target_id] == 0:
            raise Conflict("本月名额已满", "No capacity left this month", code="at_capacity")
        if intro.target.kind == "incubator" and intro.target.free_seats:
            MatchProfile.objects.filter(pk=intro.target_id).update(free_seats=intro.target.free_seats - 1)
    intro.status, intro.decided_by, intro.decided_at = outcome, actor, timezone.now()
    intro.save()
    log_action(f"matching.intro.{outcome}", actor=actor, obj=intro)
    words = {
        "accepted": ("已接受", "accepted"),
        "declined": ("已婉拒", "declined"),
        "no_show": ("记录为未到场", "no-show"),
        "met": ("已见面", "met"),
    }[outcome]
    for user_id in member_ids(intro.company):
        do_send_message(
            user_id,
            kind="match",
            title=f"引荐请求{words[0]}:{intro.target.name}",
            title_en=f"Intro {words[1]}: {intro.target.name}",
            link="/matches/",
        )
    return intro


def check_cohort_assignment(
    staff, *, company_ids: list[int] | None = None, mentor_ids: list[int] | None = None, need: str = ""
) -> dict[str, Any]:
    """Assign a cohort of companies to mentors in one go: an optimal assignment (Hungarian method)
    that maximises total fit under each mentor's remaining capacity, with the reasons per pair."""
    if not has_role(staff, "town_admin"):
        raise AccessDenied("仅小镇管理员可以分配导师", "Only town administrators assign cohorts")
    companies = list(
        Company.objects.filter(pk__in=company_ids) if company_ids else Company.objects.filter(in_town=True)
    )
    mentors = list(
        MatchProfile.objects.filter(
            kind="mentor", is_active=True, **({"pk__in": mentor_ids} if mentor_ids else {})
        )
    )
    if not companies or not mentors:
        raise InvalidInput(
            "需要至少一家企业和一位导师", "Need at least one company and one mentor", field="company_ids"
        )
    capacities = capacity_left(mentors)
    penalties = feedback_penalty(mentors)
    slots = [m for m in mentors for _ in range(capacities[m.pk] if capacities[m.pk] is not None else 3)]
    if not slots:
        raise Conflict("导师本月名额已满", "No mentor capacity left this month", code="at_capacity")
    return assign(companies, mentors, slots, penalties, need)


def fit_matrix(companies, mentors, penalties: dict[int, float]) -> np.ndarray:
    """``score()`` for every company × mentor at once, for a cohort (no free-text need, one seat
    each): sector sets as bitmasks, overlaps by popcount. Equal to the scalar score (tested)."""

    bits = {
        s: 1 << i
        for i, s in enumerate(sorted({s for x in [*companies, *mentors] for s in (x.sectors or [])}))
    }
    stage_bit = {s: 1 << i for i, s in enumerate(ROUND_SIZE)}

    def mask(values, table):
        out = 0
        for v in values or []:
            out |= table.get(v, 0)
        return out

    cmask = np.array([mask(c.sectors, bits) for c in companies], dtype=np.int64)
    csize = np.array([max(1, len(set(c.sectors or []))) for c in companies], dtype=float)
    cstage = np.array([stage_bit.get(c.stage, 0) for c in companies], dtype=np.int64)
    mmask = np.array([mask(m.sectors, bits) for m in mentors], dtype=np.int64)
    mstage = np.array([mask(m.stages, stage_bit) for m in mentors], dtype=np.int64)
    lang = np.array([("zh" in (m.languages or []) or not m.languages) for m in mentors], dtype=float)
    keep = np.array([1 - 0.5 * penalties.get(m.pk, 0.0) for m in mentors])
    both = cmask[:, None] & mmask[None, :]
    overlap = np.zeros(both.shape, dtype=float)
    for b in range(len(bits)):
        overlap += (both >> b) & 1
    points = WEIGHTS["sector"] * overlap / csize[:, None]
    points += WEIGHTS["stage"] * (((cstage[:, None] & mstage[None, :]) != 0) & (cstage[:, None] != 0))
    points += WEIGHTS["capacity"] + WEIGHTS["language"] * lang[None, :]
    return np.round(points * keep[None, :], 1)


def assign(companies, mentors, slots, penalties, need: str = "") -> dict[str, Any]:
    """The optimal assignment of companies to mentor slots, with reasons for the pairs chosen."""
    started = timezone.now()
    column = {m.pk: j for j, m in enumerate(mentors)}
    if need:
        base = np.array(
            [
                [
                    score(
                        m,
                        sectors=set(c.sectors or []),
                        stage=c.stage or None,
                        need=need,
                        capacity=1,
                        penalty=penalties.get(m.pk, 0.0),
                    )[0]
                    for m in mentors
                ]
                for c in companies
            ]
        )
    else:
        base = fit_matrix(companies, mentors, penalties)
    matrix = base[:, [column[m.pk] for m in slots]]
    rows, cols = linear_sum_assignment(matrix, maximize=True)
    pairs = []
    for r, c in zip(rows, cols, strict=True):
        company, mentor = companies[r], slots[c]
        # Reasons only for the pairs chosen: the matrix needs numbers, people need words.
        _points, reasons = score(
            mentor,
            sectors=set(company.sectors or []),
            stage=company.stage or None,
            need=need,
            capacity=1,
            penalty=penalties.get(mentor.pk, 0.0),
        )
        pairs.append(
            {
                "company_id": company.pk,
                "company": company.name,
                "mentor_id": mentor.pk,
                "mentor": mentor.name,
                "score": float(matrix[r, c]),
                "reasons": reasons,
            }
        )
    assigned = {p["company_id"] for p in pairs}
    return {
        "pairs": pairs,
        "total_score": round(float(matrix[rows, cols].sum()), 1),
        "unassigned": [c.pk for c in companies if c.pk not in assigned],
        "seconds": (timezone.now() - started).total_seconds(),
    }
