"""Judging arithmetic, plain Python and numpy: who judges what, and a fair ranking.

Assignment. Every entry needs ``k`` distinct judges it has no conflict with. Judges have no
capacity of their own, so that is possible exactly when every entry has ``k`` judges free of
conflict. Loads are then evened out by moving one entry at a time along a chain of judges
(an augmenting path, as in a min-cost flow with convex costs): while some judge carries two
more than another and a chain of permitted moves links them, the heavier hands one entry down
the chain. When no chain is left the sum of squared loads is the least possible, which is
within one whenever any assignment within one exists.

Ranking. Judges see different subsets of entries, so a judge's mean or z-score mixes their
leniency with the quality of what they happened to see. Each judge's weighted total for an
entry is modelled as ``merit(entry) + offset(judge)`` and fitted by least squares over the
round; within each group of judges linked by shared entries the offsets sum to zero, which
fixes the scale without touching the fit. A judge uniformly four points harsher is thus read
exactly as four points harsher, whatever they saw.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np


class NotEnoughJudges(ValueError):
    def __init__(self, entry_ids: list[int]) -> None:
        super().__init__(f"entries without enough judges free of conflict: {entry_ids}")
        self.entry_ids = entry_ids


def assign(
    entry_ids: Iterable[int],
    judge_ids: Iterable[int],
    judges_per_entry: int,
    conflicts: set[tuple[int, int]],
) -> list[tuple[int, int]]:
    """(judge_id, entry_id) pairs: every entry ``judges_per_entry`` judges, none in conflict,
    loads as even as the conflicts allow. Deterministic: ids sorted, ties to the lower id."""
    entries = sorted(set(entry_ids))
    judges = sorted(set(judge_ids))
    free = {e: [j for j in judges if (j, e) not in conflicts] for e in entries}
    short = [e for e in entries if len(free[e]) < judges_per_entry]
    if short:
        raise NotEnoughJudges(short)
    load = dict.fromkeys(judges, 0)
    judged_by: dict[int, set[int]] = {e: set() for e in entries}
    group = {j: j for j in judges}  # judges linked by shared entries, so leniency can be compared

    def root(j: int) -> int:
        while group[j] != j:
            group[j] = group[group[j]]
            j = group[j]
        return j

    # Most constrained entries first, each to its least-loaded free judges; among equals, a
    # judge not yet linked to those already chosen, so that the round ends up one linked group.
    for e in sorted(entries, key=lambda e: (len(free[e]), e)):
        for _ in range(judges_per_entry):
            linked = {root(j) for j in judged_by[e]}
            j = min(
                (j for j in free[e] if j not in judged_by[e]),
                key=lambda j: (load[j], root(j) in linked, j),
            )
            judged_by[e].add(j)
            load[j] += 1
            for other in judged_by[e]:
                group[root(other)] = root(j)
    _balance(judges, free, judged_by, load)
    return sorted((j, e) for e, js in judged_by.items() for j in js)


def _balance(
    judges: list[int], free: dict[int, list[int]], judged_by: dict[int, set[int]], load: dict[int, int]
) -> None:
    free_sets = {e: set(js) for e, js in free.items()}
    while True:
        moved = False
        for heavy in sorted(judges, key=lambda j: (-load[j], j)):
            path = _chain_to_lighter(heavy, free_sets, judged_by, load)
            if path:
                for entry, giver, taker in path:
                    judged_by[entry].discard(giver)
                    judged_by[entry].add(taker)
                load[heavy] -= 1
                load[path[-1][2]] += 1
                moved = True
                break
        if not moved:
            return


def _chain_to_lighter(
    start: int, free: dict[int, set[int]], judged_by: dict[int, set[int]], load: dict[int, int]
) -> list[tuple[int, int, int]] | None:
    """Breadth-first: a chain of moves (entry, from judge, to judge) from ``start`` to a judge
    carrying at least two fewer, or None."""
    previous: dict[int, tuple[int, int, int] | None] = {start: None}
    queue = deque([start])
    while queue:
        judge = queue.popleft()
        if load[judge] <= load[start] - 2:
            path = []
            while previous[judge] is not None:
                step = previous[judge]
                path.append(step)
                judge = step[1]
            return path[::-1]
        for entry in sorted(e for e, js in judged_by.items() if judge in js):
            for other in sorted(free[entry] - judged_by[entry]):
                if other not in previous:
                    previous[other] = (entry, judge, other)
                    queue.append(other)
    return None


@dataclass(frozen=True)
class Ranked:
    entry_id: int
    raw: float  # mean of the judges' weighted totals
    normalised: float  # the fitted merit, judges' leniency taken out
    judges: int
    spread: float  # largest minus smallest leniency-corrected total among its judges
    disagreement: bool


def weighted_total(scores: dict[str, float], rubric: list[dict]) -> float:
    """Σ weight × score / max per criterion, scaled so a perfect sheet is 100."""
    weight_sum = sum(float(c["weight"]) for c in rubric) or 1.0
    return (
        100.0
        * sum(float(c["weight"]) * float(scores[c["id"]]) / float(c["max"]) for c in rubric)
        / weight_sum
    )


def rank(
    totals: dict[tuple[int, int], float],
    *,
    disagreement_points: float = 20.0,
    tie_break: dict[int, object] | None = None,
) -> list[Ranked]:
    """``totals``: (judge_id, entry_id) → weighted total. Best first; ties by raw mean, then by
    ``tie_break[entry]`` (e.g. when the entry came in), then by id."""
    if not totals:
        return []
    entries = sorted({e for _, e in totals})
    judges = sorted({j for j, _ in totals})
    e_index = {e: i for i, e in enumerate(entries)}
    j_index = {j: len(entries) + i for i, j in enumerate(judges)}
    pairs = sorted(totals)
    rows = []
    values = []
    for j, e in pairs:
        row = np.zeros(len(entries) + len(judges))
        row[e_index[e]] = 1.0
        row[j_index[j]] = 1.0
        rows.append(row)
        values.append(totals[(j, e)])
    # One row per group of linked judges: their offsets sum to zero (the gauge; it costs no fit).
    for group in _linked_judges(pairs):
        row = np.zeros(len(entries) + len(judges))
        for j in group:
            row[j_index[j]] = 1.0
        rows.append(row)
        values.append(0.0)
    solution, *_ = np.linalg.lstsq(np.array(rows), np.array(values), rcond=None)
    offset = {j: float(solution[j_index[j]]) for j in judges}
    out = []
    for e in entries:
        mine = [(j, totals[(j, e)]) for j, ee in pairs if ee == e]
        corrected = [t - offset[j] for j, t in mine]
        spread = max(corrected) - min(corrected)
        out.append(
            Ranked(
                entry_id=e,
                raw=round(sum(t for _, t in mine) / len(mine), 4),
                normalised=round(float(solution[e_index[e]]), 4),
                judges=len(mine),
                spread=round(spread, 4),
                disagreement=spread > disagreement_points,
            )
        )
    order = tie_break or {}
    out.sort(key=lambda r: (-r.normalised, -r.raw, order.get(r.entry_id, 0), r.entry_id))
    return out


def _linked_judges(pairs: list[tuple[int, int]]) -> list[list[int]]:
    """Judges grouped by shared entries (connected components of the judge–entry graph)."""
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for j, e in pairs:
        a, b = find(("j", j)), find(("e", e))
        if a != b:
            parent[max(a, b)] = min(a, b)
    groups: dict[tuple[str, int], list[int]] = {}
    for j in sorted({j for j, _ in pairs}):
        groups.setdefault(find(("j", j)), []).append(j)
    return list(groups.values())
