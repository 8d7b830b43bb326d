"""Rounds after the first: only free seats and unplaced students are placed, once, even when
two rounds are placed at the same moment."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from beiyang.core.errors import DomainError
from beiyang.core.tests.threads import all_at_once
from beiyang.internships.actions import check_open_round, check_place, do_apply, do_post_position
from beiyang.internships.models import Placement, Position, StudentProfile


def _position(company_user, seats: int, title: str = "算法实习") -> Position:
    return do_post_position(
        company_user,
        title=title,
        skills=["python"],
        seats=seats,
        months=12,
        starts_on=timezone.localdate() + dt.timedelta(days=30),
    )


def _student(make_founder):
    user, _company, _api = make_founder(with_company=False)
    StudentProfile.objects.create(user=user, school="香港科技大学", programme="人工智能", skills=["python"])
    return user


def _reopen(position: Position) -> None:
    # A company that still has free seats keeps its position open for the next round.
    Position.objects.filter(pk=position.pk).update(is_open=True)


@pytest.mark.django_db
def test_later_rounds_place_only_free_seats_and_unplaced_students(make_founder, make_staff):
    admin, _ = make_staff("town_admin")
    company_user, _company, _api = make_founder()
    position = _position(company_user, seats=2)
    a, b, c = (_student(make_founder) for _ in range(3))

    do_apply(a, position.pk)
    first = check_place(admin, check_open_round(admin).pk)
    assert first["placements"] == [{"student_id": a.pk, "position_id": position.pk}]
    assert Position.objects.get(pk=position.pk).is_open  # one of two seats taken

    # Round 2: nobody new applied; A is placed already and must not be placed again.
    second = check_place(admin, check_open_round(admin).pk)
    assert second["placements"] == [] and second["unplaced"] == []

    # Round 3: B and C apply for the one seat left: one is placed, the other is not.
    do_apply(b, position.pk)
    do_apply(c, position.pk)
    third = check_place(admin, check_open_round(admin).pk)
    assert [p["student_id"] for p in third["placements"]] == [b.pk]
    assert third["unplaced"] == [c.pk]

    rows = list(Placement.objects.filter(position=position).values_list("student_id", flat=True))
    assert sorted(rows) == sorted([a.pk, b.pk]), "two seats, two placements, each student once"
    assert not Position.objects.get(pk=position.pk).is_open


@pytest.mark.django_db
def test_an_earlier_application_of_a_placed_student_is_not_reused(make_founder, make_staff):
    admin, _ = make_staff("town_admin")
    first_company, _c1, _a1 = make_founder()
    second_company, _c2, _a2 = make_founder()
    early = _position(first_company, seats=1, title="数据实习")
    a = _student(make_founder)
    do_apply(a, early.pk)
    check_place(admin, check_open_round(admin).pk)
    late = _position(second_company, seats=1, title="产品实习")
    do_apply(a, late.pk)  # applied before the first placement was known to them
    result = check_place(admin, check_open_round(admin).pk)
    assert result["placements"] == [] and result["unplaced"] == []
    assert Placement.objects.filter(student=a).count() == 1
    assert Position.objects.get(pk=late.pk).is_open


@pytest.mark.django_db(transaction=True)
def test_two_rounds_placed_at_once_place_each_student_once(make_founder, make_staff):
    admin, _ = make_staff("town_admin")
    one_company, _c1, _a1 = make_founder()
    two_company, _c2, _a2 = make_founder()
    one = _position(one_company, seats=3, title="算法实习")
    first_round = check_open_round(admin)  # holds ``one``
    two = _position(two_company, seats=3, title="工程实习")
    second_round = check_open_round(admin)  # holds ``two``: a position sits in one open round
    students = [_student(make_founder) for _ in range(3)]
    for student in students:
        do_apply(student, one.pk)
        do_apply(student, two.pk)
    results = all_at_once(
        [lambda: check_place(admin, first_round.pk), lambda: check_place(admin, second_round.pk)]
    )
    assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, DomainError)], results
    placed = list(Placement.objects.values_list("student_id", flat=True))
    assert sorted(placed) == sorted(s.pk for s in students), "every student placed exactly once"
