"""Student-proposing deferred acceptance with seat capacities (Gale and Shapley; Roth's
hospital–resident form), plain Python.

Each student proposes to the positions on their list, best first; each position holds the best
applicants it has been offered up to its seats and turns away the rest, who propose further
down their lists. The result is stable — no student and position both prefer each other to
what they got — and, among stable results, the best one for every student. Only mutually
acceptable pairs can be matched: a student proposes only to positions they listed, and a
position accepts only students it listed.
"""

from __future__ import annotations

from collections import deque


def place(
    student_prefs: dict[int, list[int]],
    position_prefs: dict[int, list[int]],
    seats: dict[int, int],
) -> dict[int, int]:
    """student → position. ``student_prefs``: positions best first; ``position_prefs``:
    students best first; ``seats``: seats per position. Deterministic: students start in id order."""
    rank_of = {p: {s: i for i, s in enumerate(prefs)} for p, prefs in position_prefs.items()}
    next_choice = dict.fromkeys(student_prefs, 0)
    held: dict[int, list[int]] = {p: [] for p in seats}
    waiting = deque(sorted(student_prefs))
    while waiting:
        student = waiting.popleft()
        prefs = student_prefs[student]
        while next_choice[student] < len(prefs):
            position = prefs[next_choice[student]]
            next_choice[student] += 1
            ranks = rank_of.get(position, {})
            if student not in ranks or seats.get(position, 0) <= 0:
                continue
            held[position].append(student)
            held[position].sort(key=ranks.__getitem__)
            if len(held[position]) > seats[position]:
                turned_away = held[position].pop()
                if turned_away != student:
                    waiting.append(turned_away)
                    break
                continue
            break
    return {s: p for p, students in held.items() for s in students}


def blocking_pairs(
    matching: dict[int, int],
    student_prefs: dict[int, list[int]],
    position_prefs: dict[int, list[int]],
    seats: dict[int, int],
) -> list[tuple[int, int]]:
    """Every (student, position) pair that would rather have each other: empty when stable."""
    assigned: dict[int, list[int]] = {p: [] for p in seats}
    for s, p in matching.items():
        assigned[p].append(s)
    out = []
    for s, prefs in student_prefs.items():
        current = matching.get(s)
        for p in prefs:
            if p == current:
                break  # everything after is worse for the student
            ranks = {x: i for i, x in enumerate(position_prefs.get(p, []))}
            if s not in ranks or seats.get(p, 0) <= 0:
                continue
            holders = assigned.get(p, [])
            if len(holders) < seats[p] or any(ranks[s] < ranks[h] for h in holders):
                out.append((s, p))
    return out
