"""Ranking: every candidate gets a score from 0 to 100 and the reasons that made it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from beiyang.core.errors import InvalidInput
from beiyang.core.money import yuan_text
from beiyang.matching.models import KINDS, IntroRequest, MatchProfile
from beiyang.matching.text import need_sectors, need_stages, similarity
from beiyang.policies.queries import fact_value_label

# Typical round sizes by stage (assumption, for ticket fit): CNY.
ROUND_SIZE = {
    "idea": 1_000_000,
    "seed": 3_000_000,
    "angel": 5_000_000,
    "pre-a": 15_000_000,
    "a": 50_000_000,
    "b+": 200_000_000,
}
WEIGHTS = {"sector": 35, "stage": 20, "need": 20, "capacity": 10, "ticket": 10, "language": 5}


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise InvalidInput(
            f"对接类型应为:{'、'.join(KINDS)}",
            f"kind must be one of {', '.join(KINDS)}",
            field="kind",
            code="invalid_kind",
        )
    return kind


def month_start(today: dt.date | None = None) -> dt.datetime:
    today = today or timezone.localdate()
    return dt.datetime(today.year, today.month, 1, tzinfo=timezone.get_current_timezone())


def capacity_left(profiles: list[MatchProfile]) -> dict[int, int | None]:
    """Mentors and investors: intros accepted this month against monthly capacity; incubators: free seats."""
    used = dict(
        IntroRequest.objects.filter(
            target__in=profiles, status__in=["accepted", "met"], decided_at__gte=month_start()
        )
        .values_list("target")
        .annotate(n=Count("id"))
    )
    out = {}
    for p in profiles:
        if p.kind == "incubator":
            out[p.pk] = p.free_seats
        elif p.monthly_capacity is not None:
            out[p.pk] = max(0, p.monthly_capacity - used.get(p.pk, 0))
        else:
            out[p.pk] = None
    return out


def feedback_penalty(profiles: list[MatchProfile]) -> dict[int, float]:
    """Share of a target's past intros that were declined or no-shows (ranks it lower)."""
    rows = (
        IntroRequest.objects.filter(target__in=profiles)
        .exclude(status="requested")
        .values("target")
        .annotate(total=Count("id"), bad=Count("id", filter=Q(status__in=["declined", "no_show"])))
    )
    return {r["target"]: r["bad"] / r["total"] for r in rows if r["total"]}


def score(
    profile: MatchProfile,
    *,
    sectors: set[str],
    stage: str | None,
    need: str,
    capacity: int | None,
    penalty: float,
) -> tuple[float, list[dict[str, str]]]:
    points, reasons = 0.0, []
    overlap = sectors & set(profile.sectors or [])
    if overlap:
        points += WEIGHTS["sector"] * len(overlap) / max(1, len(sectors))
        names = [fact_value_label("company.sectors", s) for s in sorted(overlap)]
        reasons.append(
            {
                "code": "sector",
                "label": f"细分领域重合:{'、'.join(n.zh for n in names)}",
                "label_en": f"Sector overlap: {', '.join(n.en for n in names)}",
            }
        )
    if stage and profile.stages and stage in profile.stages:
        points += WEIGHTS["stage"]
        reasons.append(
            {
                "code": "stage",
                "label": f"阶段匹配:{fact_value_label('company.stage', stage).zh}",
                "label_en": f"Stage fit: {fact_value_label('company.stage', stage).en}",
            }
        )
    if need:
        text = " ".join(
            [
                profile.name,
                profile.organisation,
                profile.summary,
                *profile.skills,
                *(fact_value_label("company.sectors", s).zh for s in profile.sectors or []),
            ]
        )
        sim = similarity(need, text)
        if sim > 0:
            points += WEIGHTS["need"] * sim
            if sim >= 0.2:
                reasons.append(
                    {"code": "need", "label": f"与需求“{need[:20]}”相关", "label_en": "Relevant to your need"}
                )
    if capacity is None:
        points += WEIGHTS["capacity"] / 2
    elif capacity > 0:
        points += WEIGHTS["capacity"]
        unit = "个空位" if profile.kind == "incubator" else "个名额"
        reasons.append(
            {
                "code": "capacity",
                "label": f"本月尚有{capacity}{unit}",
                "label_en": f"{capacity} left this month",
            }
        )
    if (
        profile.kind == "investor"
        and stage
        and profile.ticket_min_cny is not None
        and profile.ticket_max_cny is not None
    ):
        size = ROUND_SIZE.get(stage)
        if size and profile.ticket_min_cny <= size <= profile.ticket_max_cny * 2:
            points += WEIGHTS["ticket"]
            reasons.append(
                {
                    "code": "ticket",
                    "label": f"单笔投资{yuan_text(profile.ticket_min_cny)}至{yuan_text(profile.ticket_max_cny)},"
                    f"适合{fact_value_label('company.stage', stage).zh}",
                    "label_en": "Ticket size fits your round",
                }
            )
    if "zh" in (profile.languages or []) or not profile.languages:
        points += WEIGHTS["language"]
    if penalty:
        points *= 1 - 0.5 * penalty
        reasons.append(
            {
                "code": "feedback",
                "label": f"近期婉拒或未到场比例{penalty:.0%}",
                "label_en": f"{penalty:.0%} declined or no-show",
            }
        )
    return round(points, 1), reasons


def rank(kind: str, company, need: str = "", limit: int = 10) -> list[dict[str, Any]]:
    """Ranked candidates of a kind for a company and a need, each with a score and its reasons."""
    check_kind(kind)
    need = (need or "").strip()[:200]
    # A need that names sectors ("做医疗AI的导师") says what fits; otherwise the company's own sectors do.
    sectors = need_sectors(need) or (set(company.sectors or []) if company else set())
    stages = need_stages(need)
    stage = company.stage if company and company.stage else (sorted(stages)[0] if stages else None)
    profiles = list(MatchProfile.objects.filter(kind=kind, is_active=True))
    if kind == "talent":
        profiles = [p for p in profiles if p.available]
    capacities = capacity_left(profiles)
    penalties = feedback_penalty(profiles)
    ranked = []
    for p in profiles:
        s, reasons = score(
            p,
            sectors=sectors,
            stage=stage,
            need=need,
            capacity=capacities[p.pk],
            penalty=penalties.get(p.pk, 0.0),
        )
        ranked.append(
            {
                "id": p.pk,
                "kind": p.kind,
                "name": p.name,
                "organisation": p.organisation,
                "summary": p.summary,
                "score": s,
                "reasons": reasons,
                "capacity_left": capacities[p.pk],
            }
        )
    ranked.sort(key=lambda r: (-r["score"], r["id"]))
    return ranked[: max(1, min(limit, 50))]


def my_intros(user):
    return IntroRequest.objects.filter(founder=user).select_related("target").order_by("-id")
