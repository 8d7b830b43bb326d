from __future__ import annotations

from beiyang.internships.models import InternshipApplication, Placement, Position


def open_positions() -> list[Position]:
    return list(Position.objects.select_related("company").filter(is_open=True))


def positions_of_company(company) -> list[Position]:
    return list(Position.objects.filter(company=company).prefetch_related("applications__student"))


def my_applications(user) -> list[InternshipApplication]:
    return list(
        InternshipApplication.objects.select_related("position", "position__company")
        .filter(student=user)
        .order_by("student_rank", "id")
    )


def my_placements(user) -> list[Placement]:
    return list(Placement.objects.select_related("position", "position__company").filter(student=user))
