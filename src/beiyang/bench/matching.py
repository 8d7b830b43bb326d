"""Cohort assignment: 1,000 companies onto 300 mentors with capacity, optimally."""

from __future__ import annotations

import random
import time
from typing import Any

from beiyang.bench.common import save, table


def run(quick: bool = False, log=print) -> dict[str, Any]:
    # Imported when run: the bench loads before Django is set up (and in worker subprocesses).
    from beiyang.companies.models import Company
    from beiyang.matching.actions import assign
    from beiyang.matching.models import MatchProfile

    n_companies, n_mentors = (200, 60) if quick else (1000, 300)
    rng = random.Random(5)
    sectors = [
        "llm",
        "agent",
        "aigc",
        "cv",
        "speech",
        "robotics",
        "chips",
        "infra",
        "data",
        "medical",
        "finance",
    ]
    stages = ["idea", "seed", "angel", "pre-a", "a", "b+"]
    companies = [
        Company(pk=i, name=f"c{i}", sectors=rng.sample(sectors, rng.randint(1, 3)), stage=rng.choice(stages))
        for i in range(n_companies)
    ]
    mentors = [
        MatchProfile(
            pk=i,
            kind="mentor",
            name=f"m{i}",
            summary="",
            sectors=rng.sample(sectors, 2),
            stages=rng.sample(stages, 3),
            languages=["zh"],
            monthly_capacity=rng.randint(2, 4),
        )
        for i in range(n_mentors)
    ]
    slots = [m for m in mentors for _ in range(m.monthly_capacity)]
    started = time.perf_counter()
    result = assign(companies, mentors, slots, {})
    seconds = time.perf_counter() - started
    out = {
        "companies": n_companies,
        "mentors": n_mentors,
        "slots": len(slots),
        "seconds": seconds,
        "pairs": len(result["pairs"]),
        "total_score": result["total_score"],
    }
    path = save("matching", out)
    log(
        table(
            "Matching: optimal cohort assignment",
            [
                ("measure", "value", "note"),
                (
                    f"{n_companies:,} companies × {n_mentors} mentors ({len(slots)} slots)",
                    f"{seconds:.2f} s",
                    "scoring every pair with reasons + linear_sum_assignment",
                ),
                ("pairs assigned", f"{len(result['pairs']):,}", f"total fit {result['total_score']:,.0f}"),
            ],
        )
    )
    log(f"saved {path}")
    return out
