"""The judging arithmetic on its own: assignment constraints and leniency taken out."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from beiyang.competitions.judging import NotEnoughJudges, _linked_judges, assign, rank, weighted_total


@given(
    entries=st.integers(1, 30),
    judges=st.integers(3, 9),
    k=st.integers(1, 3),
    conflict_seed=st.integers(0, 10_000),
    conflict_rate=st.sampled_from([0.0, 0.1, 0.25]),
)
@settings(max_examples=80, deadline=None)
def test_every_entry_gets_k_judges_none_in_conflict_loads_within_one(
    entries, judges, k, conflict_seed, conflict_rate
):
    rng = random.Random(conflict_seed)
    entry_ids = list(range(100, 100 + entries))
    judge_ids = list(range(1, judges + 1))
    conflicts = {(j, e) for j in judge_ids for e in entry_ids if rng.random() < conflict_rate}
    try:
        pairs = assign(entry_ids, judge_ids, k, conflicts)
    except NotEnoughJudges as exc:
        assert all(sum((j, e) not in conflicts for j in judge_ids) < k for e in exc.entry_ids)
        return
    assert not set(pairs) & conflicts
    for e in entry_ids:
        assert len({j for j, ee in pairs if ee == e}) == k
    if not conflicts:
        loads = [sum(1 for j, _ in pairs if j == judge) for judge in judge_ids]
        assert max(loads) - min(loads) <= 1


def test_balance_reaches_within_one_by_moving_entries_along_a_chain():
    # Judge 1 may judge everything, judge 2 only entries 1-2, judge 3 only entry 3:
    # greedy alone leaves judge 1 with four of six; chains bring every judge to two.
    conflicts = {(2, 3), (2, 4), (3, 1), (3, 2), (3, 4)}
    pairs = assign([1, 2, 3, 4], [1, 2, 3, 4], 1, conflicts)
    loads = [sum(1 for j, _ in pairs if j == judge) for judge in (1, 2, 3, 4)]
    assert max(loads) - min(loads) <= 1
    assert not set(pairs) & conflicts


def test_refuses_when_an_entry_has_too_few_judges_free_of_conflict():
    with pytest.raises(NotEnoughJudges) as exc:
        assign([1, 2], [10, 11], 2, {(10, 2)})
    assert exc.value.entry_ids == [2]


def test_the_same_input_gives_the_same_assignment():
    conflicts = {(1, 5), (2, 6)}
    assert assign(range(1, 20), [1, 2, 3, 4], 2, conflicts) == assign(
        reversed(range(1, 20)), [4, 3, 2, 1], 2, conflicts
    )


def test_a_uniformly_harsh_judge_does_not_sink_the_entries_they_scored():
    merit = {e: 40 + 3 * e for e in range(1, 13)}  # true order: entry 12 best
    judges = [1, 2, 3, 4]
    pairs = assign(merit, judges, 2, set())
    assert len(_linked_judges(pairs)) == 1  # the assignment links every judge to every other
    harsh = 3
    totals = {(j, e): merit[e] - (4.0 if j == harsh else 0.0) for j, e in pairs}
    ranking = rank(totals)
    assert [r.entry_id for r in ranking] == sorted(merit, key=lambda e: -merit[e])
    for r in ranking:
        # Offsets sum to zero over the judges: the harsh one is -3, the others +1.
        assert r.normalised == pytest.approx(merit[r.entry_id] - 1.0)
        assert not r.disagreement


def test_raw_means_mislead_where_the_fit_does_not():
    # Entry 1 (true 70) is seen by the harsh judge only, entry 2 (true 68) by a lenient one.
    merit = {1: 70, 2: 68, 3: 60}
    totals = {(1, 1): 60.0, (1, 3): 50.0, (2, 2): 73.0, (2, 3): 65.0}  # judge 1 is -10, judge 2 is +5
    ranking = rank(totals)
    assert [r.entry_id for r in ranking] == [1, 2, 3]
    assert max(ranking, key=lambda r: r.raw).entry_id == 2  # the raw mean would crown entry 2
    assert ranking[0].normalised - ranking[1].normalised == pytest.approx(merit[1] - merit[2])


def test_wide_disagreement_is_flagged_and_ties_break_deterministically():
    totals = {(1, 1): 90.0, (2, 1): 40.0, (1, 2): 65.0, (2, 2): 65.0, (1, 3): 65.0, (2, 3): 65.0}
    ranking = rank(totals, tie_break={1: 3, 2: 2, 3: 1})
    flagged = {r.entry_id for r in ranking if r.disagreement}
    assert flagged == {1}
    tied = [r.entry_id for r in ranking if r.normalised == pytest.approx(65.0)]
    assert tied == [3, 2, 1]  # equal merit and raw mean: the earlier entrant first


def test_weighted_total_scales_a_perfect_sheet_to_100():
    rubric = [{"id": "tech", "weight": 2, "max": 10}, {"id": "market", "weight": 1, "max": 5}]
    assert weighted_total({"tech": 10, "market": 5}, rubric) == pytest.approx(100.0)
    assert weighted_total({"tech": 5, "market": 5}, rubric) == pytest.approx(100 * (2 * 0.5 + 1) / 3)
