"""Internship actions: post, apply, rank on both sides, open a round and place it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from beiyang.accounts.roles import require_town_admin
from beiyang.companies.queries import company_of, member_ids
from beiyang.core.audit import log_action, snapshot
from beiyang.core.errors import Conflict, InvalidInput, NotFound
from beiyang.core.words import date_words
from beiyang.internships import placing
from beiyang.internships.models import (
    InternshipApplication,
    Placement,
    PlacementRound,
    Position,
    StudentProfile,
)
from beiyang.notifications.actions import do_send_message


def _skills(values: list[str], field: str = "skills") -> list[str]:
    out = []
    for value in values:
        word = str(value).strip()
        if not word or len(word) > 40:
            raise InvalidInput("技能须为1到40个字", "Each skill is 1–40 characters", field=field)
        if word.lower() not in {w.lower() for w in out}:
            out.append(word)
    return out


@transaction.atomic
def do_post_position(
    user, *, title: str, skills: list[str], seats: int, months: int, starts_on: dt.date
) -> Position:
    company = company_of(user)
    if company is None:
        raise NotFound("请先登记企业信息", "Register your company first", field="company", code="no_company")
    if not title.strip():
        raise InvalidInput("请填写岗位名称", "Give the position a title", field="title")
    if not 1 <= seats <= 100:
        raise InvalidInput("名额须在1到100之间", "Seats must be 1–100", field="seats")
    if not 1 <= months <= 24:
        raise InvalidInput("实习月数须在1到24之间", "Months must be 1–24", field="months")
    if starts_on < timezone.localdate():
        raise InvalidInput("开始日期不能早于今天", "The start date cannot be in the past", field="starts_on")
    position = Position.objects.create(
        company=company,
        title=title.strip()[:120],
        skills=_skills(skills),
        seats=seats,
        months=months,
        starts_on=starts_on,
        posted_by=user,
    )
    log_action(
        "internships.position.posted",
        actor=user,
        obj=position,
        after=snapshot(position, ["title", "skills", "seats", "months", "starts_on"]),
    )
    return position


@transaction.atomic
def do_set_student(user, *, school: str, programme: str, skills: list[str]) -> StudentProfile:
    if not school.strip() or not programme.strip():
        raise InvalidInput(
            "请填写学校和专业",
            "Give your school and programme",
            field="school" if not school.strip() else "programme",
        )
    profile, _ = StudentProfile.objects.update_or_create(
        user=user,
        defaults={
            "school": school.strip()[:120],
            "programme": programme.strip()[:120],
            "skills": _skills(skills),
        },
    )
    log_action(
        "internships.student.saved",
        actor=user,
        obj=profile,
        after=snapshot(profile, ["school", "programme", "skills"]),
    )
    return profile


@transaction.atomic
def do_apply(user, position_id: int) -> InternshipApplication:
    if not StudentProfile.objects.filter(user=user).exists():
        raise Conflict(
            "请先填写学生信息",
            "Fill in your student profile first",
            field="student",
            code="no_student_profile",
        )
    position = Position.objects.filter(pk=position_id, is_open=True).first()
    if position is None:
        raise NotFound("岗位不存在或已关闭", "No such open position", field="position_id")
    try:
        with transaction.atomic():
            application = InternshipApplication.objects.create(position=position, student=user)
    except IntegrityError:
        raise Conflict("您已申请过该岗位", "You have already applied", code="already_applied") from None
    log_action("internships.application.created", actor=user, obj=application, position_id=position.pk)
    for member_id in member_ids(position.company_id):
        do_send_message(
            member_id,
            kind="internship",
            title=f"“{position.title}”收到一份实习申请",
            body="请在岗位页面查看并为申请人排序。",
            title_en=f"A new applicant for {position.title}",
            link="/internships/",
            data={"position_id": position.pk},
        )
    return application


def _rank(
    applications: dict[int, InternshipApplication],
    ids: list[int],
    rank_field: str,
    field: str,
    what: tuple[str, str],
) -> list[int]:
    """Write one side's order onto its applications (keyed by the other side's id): 1 = first
    choice, None = not listed. Refused whole, nothing written, for a repeat or a stranger."""
    if len(set(ids)) != len(ids):
        raise InvalidInput("排序中有重复项", "The ranking lists someone twice", field=field, code="duplicate")
    stray = [i for i in ids if i not in applications]
    if stray:
        raise InvalidInput(
            f"{what[0]}:{stray}", f"{what[1]}: {stray}", field=field, code="not_applied", extra={"ids": stray}
        )
    place = {key: n for n, key in enumerate(ids, start=1)}
    for key, application in applications.items():
        setattr(application, rank_field, place.get(key))
    InternshipApplication.objects.bulk_update(list(applications.values()), [rank_field])
    return ids


@transaction.atomic
def do_rank_positions(user, position_ids: list[int]) -> list[int]:
    mine = {a.position_id: a for a in InternshipApplication.objects.select_for_update().filter(student=user)}
    ranking = _rank(
        mine,
        position_ids,
        "student_rank",
        "positions",
        ("只能为已申请的岗位排序", "Only positions you applied to"),
    )
    log_action("internships.student.ranked", actor=user, obj=user, positions=ranking)
    return ranking


@transaction.atomic
def do_rank_students(user, position_id: int, student_ids: list[int]) -> list[int]:
    position = Position.objects.filter(pk=position_id, company__memberships__user=user).first()
    if position is None:
        raise NotFound("岗位不存在", "No such position", field="position_id")
    applications = {
        a.student_id: a for a in InternshipApplication.objects.select_for_update().filter(position=position)
    }
    ranking = _rank(
        applications,
        student_ids,
        "company_rank",
        "students",
        ("只能为申请了该岗位的学生排序", "Only students who applied"),
    )
    log_action("internships.company.ranked", actor=user, obj=position, students=ranking)
    return ranking


@transaction.atomic
def check_open_round(admin) -> PlacementRound:
    require_town_admin(admin)
    open_positions = list(Position.objects.filter(is_open=True))
    # A position waiting in a round not yet placed is not offered twice.
    taken = set(PlacementRound.objects.filter(placed_at__isnull=True).values_list("positions", flat=True))
    positions = [p for p in open_positions if p.pk not in taken]
    if not positions:
        raise Conflict("没有可匹配的开放岗位", "No open positions to place", code="no_positions")
    round_ = PlacementRound.objects.create(created_by=admin)
    round_.positions.set(positions)
    log_action("internships.round.opened", actor=admin, obj=round_, positions=[p.pk for p in positions])
    return round_


def placed_students() -> set[int]:
    """Students holding a placement from any round: they are never placed again."""
    return set(Placement.objects.values_list("student_id", flat=True))


def free_seats(positions: list[Position]) -> dict[int, int]:
    """Seats per position less the placements earlier rounds made on it."""
    taken: dict[int, int] = {}
    for position_id in Placement.objects.filter(position__in=positions).values_list("position_id", flat=True):
        taken[position_id] = taken.get(position_id, 0) + 1
    return {p.pk: max(p.seats - taken.get(p.pk, 0), 0) for p in positions}


def preferences(
    positions: list[Position],
) -> tuple[dict[int, list[int]], dict[int, list[int]], dict[int, int]]:
    """Both sides' lists, of unplaced students only, and the seats still free. A side that
    ranked lists only whom it ranked (the others are not acceptable to it); a side that ranked
    nobody accepts everyone, in the order they applied."""
    by_position = {p.pk: p for p in positions}
    applications = list(
        InternshipApplication.objects.filter(position_id__in=by_position)
        .exclude(student_id__in=Placement.objects.values("student_id"))
        .order_by("created_at", "id")
    )
    student_apps: dict[int, list[InternshipApplication]] = {}
    position_apps: dict[int, list[InternshipApplication]] = {p: [] for p in by_position}
    for a in applications:
        student_apps.setdefault(a.student_id, []).append(a)
        position_apps[a.position_id].append(a)
    ranked_students = set(
        InternshipApplication.objects.filter(student_rank__isnull=False).values_list("student_id", flat=True)
    )
    student_prefs = {}
    for student, apps in student_apps.items():
        if student in ranked_students:
            apps = sorted((a for a in apps if a.student_rank is not None), key=lambda a: a.student_rank)
        student_prefs[student] = [a.position_id for a in apps]
    position_prefs = {}
    for position, apps in position_apps.items():
        if any(a.company_rank is not None for a in apps):
            apps = sorted((a for a in apps if a.company_rank is not None), key=lambda a: a.company_rank)
        position_prefs[position] = [a.student_id for a in apps]
    return student_prefs, position_prefs, free_seats(positions)


@transaction.atomic
def check_place(admin, round_id: int) -> dict[str, Any]:
    require_town_admin(admin)
    round_ = PlacementRound.objects.select_for_update().filter(pk=round_id).first()
    if round_ is None:
        raise NotFound("匹配轮次不存在", "No such round", field="round_id")
    if round_.placed_at:
        raise Conflict("该轮已完成匹配", "This round has been placed already", code="already_placed")
    # One round is placed at a time, town-wide: two rounds share students (a student applies to
    # positions in both), so each locks every position row, in id order, before it counts the
    # placed students and the free seats; the second one counts after the first has committed.
    list(Position.objects.select_for_update().order_by("id").values_list("id", flat=True))
    positions = list(round_.positions.select_related("company").order_by("id"))
    student_prefs, position_prefs, seats = preferences(positions)
    matching = placing.place(student_prefs, position_prefs, seats)
    Placement.objects.bulk_create(
        [Placement(round=round_, student_id=s, position_id=p) for s, p in sorted(matching.items())]
    )
    unplaced = sorted(set(student_prefs) - set(matching))
    round_.placed_at = timezone.now()
    round_.unplaced = unplaced
    round_.save(update_fields=["placed_at", "unplaced"])
    # Seats filled in this round and in every earlier one.
    filled = {p.pk: p.seats - seats[p.pk] + sum(1 for q in matching.values() if q == p.pk) for p in positions}
    for position in positions:
        if filled[position.pk] >= position.seats:
            position.is_open = False
            position.save(update_fields=["is_open"])
    log_action(
        "internships.round.placed",
        actor=admin,
        obj=round_,
        placements=[[s, p] for s, p in sorted(matching.items())],
        unplaced=unplaced,
    )
    _tell_results(positions, matching, unplaced, filled)
    return {
        "placements": [{"student_id": s, "position_id": p} for s, p in sorted(matching.items())],
        "unplaced": unplaced,
    }


def _tell_results(positions, matching, unplaced, filled) -> None:
    by_id = {p.pk: p for p in positions}
    for student, position_id in matching.items():
        p = by_id[position_id]
        do_send_message(
            student,
            kind="internship",
            title=f"实习匹配结果:{p.company.name} · {p.title}",
            body=f"{date_words(p.starts_on, en=False)}开始,为期{p.months}个月。",
            title_en=f"Placed: {p.title} at {p.company.name}",
            link="/internships/",
            data={"position_id": position_id},
        )
    for p in positions:
        placed = [s for s, q in matching.items() if q == p.pk]
        for member_id in member_ids(p.company_id):
            do_send_message(
                member_id,
                kind="internship",
                title=f"“{p.title}”匹配到{len(placed)}名实习生",
                body=f"名额{p.seats}个,已匹配{len(placed)}个。",
                title_en=f"{p.title}: {len(placed)} interns placed",
                link="/internships/",
                data={"position_id": p.pk, "students": placed},
            )
    skills_of = dict(StudentProfile.objects.filter(user_id__in=unplaced).values_list("user_id", "skills"))
    for student in unplaced:
        mine = {s.lower() for s in skills_of.get(student, [])}
        left = [p for p in positions if filled[p.pk] < p.seats and mine & {s.lower() for s in p.skills}]
        lines = "、".join(f"{p.company.name}·{p.title}" for p in left[:5])
        do_send_message(
            student,
            kind="internship",
            title="本轮实习匹配未成功",
            body=(
                f"以下岗位仍有名额且与您的技能相符,可直接申请:{lines}"
                if left
                else "目前没有与您技能相符的空余岗位,新岗位发布时会通知您。"
            ),
            title_en="Not placed in this round",
            link="/internships/",
            data={"suggested_positions": [p.pk for p in left]},
        )
