"""Group commit: concurrent callers share batches, and each still gets its own answer."""

import threading
import time

import pytest
from django.db import transaction

from beiyang.core.groupcommit import GroupCommit


def _threads(count, target):
    barrier = threading.Barrier(count)

    def run(i):
        barrier.wait(timeout=10)
        target(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)


def test_concurrent_callers_share_batches_and_get_their_own_results():
    sizes = []

    def double(items):
        sizes.append(len(items))
        time.sleep(0.005)  # a transaction's worth of work, during which others queue up
        return [item * 2 for item in items]

    combiner = GroupCommit(double)
    answers = {}

    def caller(i):
        for j in range(20):
            answers[(i, j)] = combiner.submit("k", i * 100 + j)

    _threads(8, caller)
    assert answers == {(i, j): (i * 100 + j) * 2 for i in range(8) for j in range(20)}
    assert sum(sizes) == 160 and max(sizes) > 1, sizes


def test_an_items_error_goes_to_its_caller_only():
    def odd_fails(items):
        return [ValueError(f"odd {item}") if item % 2 else item for item in items]

    combiner = GroupCommit(odd_fails)
    outcomes = {}

    def caller(i):
        try:
            outcomes[i] = combiner.submit("k", i)
        except ValueError as exc:
            outcomes[i] = str(exc)

    _threads(6, caller)
    assert outcomes == {0: 0, 1: "odd 1", 2: 2, 3: "odd 3", 4: 4, 5: "odd 5"}


def test_a_batch_that_fails_as_a_whole_is_settled_one_by_one():
    batches = []

    def fussy(items):
        batches.append(sorted(items))
        if items == ["first"]:
            time.sleep(0.3)  # the other three queue up behind the first batch
        if "bad" in items:
            raise KeyError("bad")
        return [item.upper() for item in items]

    combiner = GroupCommit(fussy)
    outcomes = {}

    def caller(word):
        try:
            outcomes[word] = combiner.submit("k", word)
        except KeyError:
            outcomes[word] = "refused"

    first = threading.Thread(target=caller, args=("first",))
    first.start()
    time.sleep(0.05)
    others = [threading.Thread(target=caller, args=(w,)) for w in ("bad", "fine", "good")]
    for t in others:
        t.start()
    for t in [first, *others]:
        t.join(timeout=30)
    assert outcomes == {"first": "FIRST", "bad": "refused", "fine": "FINE", "good": "GOOD"}
    assert batches[0] == ["first"] and batches[1] == ["bad", "fine", "good"]
    assert sorted(batches[2:]) == [["bad"], ["fine"], ["good"]]


def test_a_lone_caller_does_not_wait_for_company():
    combiner = GroupCommit(lambda items: list(items), linger_seconds=5)
    started = time.monotonic()
    assert [combiner.submit("k", n) for n in range(3)] == [0, 1, 2]
    assert time.monotonic() - started < 2  # the five-second linger never applied


@pytest.mark.django_db
def test_a_caller_inside_a_transaction_runs_alone_in_its_own_thread():
    seen = []

    def record(items):
        seen.append((threading.get_ident(), len(items)))
        return list(items)

    combiner = GroupCommit(record)
    with transaction.atomic():
        assert combiner.submit("k", "x") == "x"
    assert seen == [(threading.get_ident(), 1)]


def test_a_repeat_of_an_identity_runs_alone_after_its_batch():
    runs = []

    def record(items):
        runs.append(list(items))
        return [f"done {name}{n}" for name, n in items]

    combiner = GroupCommit(record, identity=lambda item: item[0])
    assert combiner.settle([("a", 1), ("b", 2), ("a", 3), ("a", 4)]) == [
        "done a1",
        "done b2",
        "done a3",
        "done a4",
    ]
    assert runs == [[("a", 1), ("b", 2)], [("a", 3)], [("a", 4)]]
    runs.clear()
    assert GroupCommit(record).settle([("a", 1), ("a", 2)]) == ["done a1", "done a2"]
    assert runs == [[("a", 1), ("a", 2)]]  # without an identity nothing is held back
