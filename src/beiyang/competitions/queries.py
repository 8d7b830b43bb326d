"""Reading competitions: what a founder, a judge and an admin each see; the round's ranking."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from beiyang.competitions import judging
from beiyang.competitions.models import Assignment, Competition, Entry, Round
from beiyang.core.errors import NotFound


def competitions() -> list[Competition]:
    return list(Competition.objects.prefetch_related("rounds"))


def competition_or_404(competition_id: int) -> Competition:
    found = Competition.objects.prefetch_related("rounds").filter(pk=competition_id).first()
    if found is None:
        raise NotFound("大赛不存在", "No such competition", field="competition_id")
    return found


def entries_of(user) -> list[Entry]:
    return list(
        Entry.objects.select_related("competition").filter(company__memberships__user=user).order_by("-id")
    )


def judge_assignments(user) -> list[Assignment]:
    """A judge's sheets: open rounds first, then by entry."""
    return list(
        Assignment.objects.select_related("round", "entry", "round__competition")
        .filter(judge=user)
        .order_by("round__closed_at", "round__ends_at", "entry_id")
    )


def round_progress(competition: Competition) -> list[dict[str, Any]]:
    rounds = Round.objects.filter(competition=competition).annotate(
        sheets=Count("assignments"), scored=Count("assignments", filter=Q(assignments__scores__isnull=False))
    )
    return [
        {
            "number": r.number,
            "name": r.name,
            "sheets": r.sheets,
            "scored": r.scored,
            "closed": bool(r.closed_at),
            "round": r,
        }
        for r in rounds
    ]


def round_ranking(competition: Competition, number: int) -> dict[str, Any]:
    round_ = Round.objects.filter(competition=competition, number=number).first()
    if round_ is None:
        raise NotFound("轮次不存在", "No such round", field="round")
    sheets = list(Assignment.objects.filter(round=round_).values_list("judge_id", "entry_id", "scores"))
    totals = {
        (judge_id, entry_id): judging.weighted_total(scores, competition.rubric)
        for judge_id, entry_id, scores in sheets
        if scores is not None
    }
    entries = {
        e.pk: e for e in Entry.objects.filter(competition=competition, pk__in={e for _, e, _ in sheets})
    }
    order = {pk: i for i, pk in enumerate(sorted(entries))}  # earlier entrant first on a full tie
    ranked = judging.rank(totals, tie_break=order)
    missing = sum(1 for *_, scores in sheets if scores is None)
    return {
        "round": number,
        "missing_scores": missing,
        "ranking": [
            {
                "entry_id": r.entry_id,
                "project": entries[r.entry_id].project,
                "company": entries[r.entry_id].company.name,
                "raw": r.raw,
                "normalised": r.normalised,
                "judges": r.judges,
                "spread": r.spread,
                "disagreement": r.disagreement,
            }
            for r in ranked
        ],
    }
