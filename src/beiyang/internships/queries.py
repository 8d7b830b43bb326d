from __future__ import annotations

from beiyang.internships.models import InternshipApplication, Placement, PlacementRound, Position


def open_positions() -> list[Position]:
    return list(Position.objects.select_related("company").filter(is_open=True))


def positions_of_company(company) -> list[Position]:
    return list(Position.objects.filter(company=company).prefetch_related("applications__student__student"))


def my_applications(user) -> list[InternshipApplication]:
    return list(
        InternshipApplication.objects.select_related("position", "position__company")
        .filter(student=user)
        .order_by("student_rank", "id")
    )


def my_placements(user) -> list[Placement]:
    return list(Placement.objects.select_related("position", "position__company").filter(student=user))


def placement_rounds(limit: int = 20) -> list[PlacementRound]:
    """Rounds newest first, with their positions and placements, for the town admin's page."""
    return list(
        PlacementRound.objects.prefetch_related(
            "positions__company", "placements__student", "placements__position"
        ).order_by("-created_at")[:limit]
    )


def unrounded_positions() -> list[Position]:
    """Open positions not waiting in a round yet: what opening a round would take."""
    waiting = PlacementRound.objects.filter(placed_at__isnull=True).values_list("positions", flat=True)
    return list(Position.objects.filter(is_open=True).exclude(pk__in=waiting).select_related("company"))
