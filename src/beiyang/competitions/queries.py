"""Reading competitions: what a founder, a judge and an admin each see; the round's ranking."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from beiyang.competitions import judging
from beiyang.competitions.models import Assignment, Competition, Entry, Round
from beiyang.core.errors import NotFound


def competitions() -> list[Competition]:
    return list(Competition.objects.prefetch_related("rounds"))


def open_for_entries() -> dict[str, Competition]:
    """For each eligibility policy, the competition taking entries now (its first round not
    begun), soonest first: the benefit's card leads to its entry form."""
    from django.utils import timezone

    now = timezone.now()
    found: dict[str, Competition] = {}
    for competition in Competition.objects.prefetch_related("rounds").order_by("id"):
        rounds = sorted(competition.rounds.all(), key=lambda r: r.number)
        if rounds and rounds[0].starts_at > now and competition.policy_id not in found:
            found[competition.policy_id] = competition
    return found


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


def access_deck(user, entry_id: int) -> Entry:
    """An entry's pitch deck for a judge assigned to score it (and not in conflict with it),
    for a town admin, or for the entrant's own company; NotFound to anyone else, so the answer
    says nothing of which entries exist."""
    from beiyang.accounts.roles import has_role
    from beiyang.competitions.models import Conflict

    entry = Entry.objects.filter(pk=entry_id).exclude(deck="").first()
    allowed = entry is not None and (
        has_role(user, "town_admin")
        or entry.company.memberships.filter(user=user).exists()
        or (
            Assignment.objects.filter(entry=entry, judge=user).exists()
            and not Conflict.objects.filter(entry=entry, judge=user).exists()
        )
    )
    if not allowed:
        raise NotFound("路演材料不存在", "No such deck", field="entry_id")
    return entry


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
