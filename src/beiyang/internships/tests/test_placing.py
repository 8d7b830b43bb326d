"""Deferred acceptance: stable, capacities respected, best for students among stable results."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from beiyang.internships.placing import blocking_pairs, place


@st.composite
def markets(draw):
    students = list(range(1, draw(st.integers(1, 9)) + 1))
    positions = list(range(101, 101 + draw(st.integers(1, 5))))
    seats = {p: draw(st.integers(0, 3)) for p in positions}
    applied = {s: draw(st.lists(st.sampled_from(positions), unique=True)) for s in students}
    student_prefs = {s: draw(st.permutations(applied[s])) for s in students}
    position_prefs = {}
    for p in positions:
        applicants = [s for s in students if p in applied[s]]
        ranked = draw(st.permutations(applicants))
        cut = draw(st.integers(0, len(ranked)))
        position_prefs[p] = list(ranked[:cut])  # unlisted applicants are not acceptable
    return student_prefs, position_prefs, seats


@given(markets())
@settings(max_examples=300, deadline=None)
def test_placement_is_stable_and_respects_every_capacity(market):
    student_prefs, position_prefs, seats = market
    matching = place(student_prefs, position_prefs, seats)
    for p, n in seats.items():
        assert sum(1 for q in matching.values() if q == p) <= n
    for s, p in matching.items():
        assert p in student_prefs[s] and s in position_prefs[p]  # mutually acceptable only
    assert blocking_pairs(matching, student_prefs, position_prefs, seats) == []


@given(markets())
@settings(max_examples=100, deadline=None)
def test_no_stable_placement_is_better_for_any_student(market):
    student_prefs, position_prefs, seats = market
    if len(student_prefs) > 5:
        return  # brute force stays small
    ours = place(student_prefs, position_prefs, seats)
    students = sorted(student_prefs)
    options = [[None, *student_prefs[s]] for s in students]
    for combo in itertools.product(*options):
        other = {s: p for s, p in zip(students, combo, strict=True) if p is not None}
        if any(s not in position_prefs.get(p, []) for s, p in other.items()):
            continue
        if any(sum(1 for q in other.values() if q == p) > n for p, n in seats.items()):
            continue
        if blocking_pairs(other, student_prefs, position_prefs, seats):
            continue
        for s in students:
            mine, theirs = ours.get(s), other.get(s)
            if theirs is not None and theirs != mine:
                prefs = student_prefs[s]
                assert mine is not None and prefs.index(mine) < prefs.index(theirs)


def test_a_blocking_pair_is_seen():
    student_prefs = {1: [10, 11], 2: [10]}
    position_prefs = {10: [1, 2], 11: [1]}
    seats = {10: 1, 11: 1}
    assert blocking_pairs({1: 11, 2: 10}, student_prefs, position_prefs, seats) == [(1, 10)]
    assert place(student_prefs, position_prefs, seats) == {1: 10}
