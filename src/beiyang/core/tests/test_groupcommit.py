"""Group commit: concurrent callers share batches, and each still gets its own answer."""

import threading
import time

import pytest
from django.db import OperationalError, transaction

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


class LostAfterCommit:
    """A batch function whose first run commits, then loses its connection (the COMMIT went
    through, its answer did not); like the real ones, a second run finds what the first wrote."""

    def __init__(self, lose_every_run: bool = False) -> None:
        self.written: set[int] = set()
        self.runs: list[list[int]] = []
        self.lose_every_run = lose_every_run

    def __call__(self, items):
        self.runs.append(list(items))
        if len(self.runs) == 1 or self.lose_every_run:
            self.written.update(items)
            raise OperationalError("server closed the connection unexpectedly")
        return [("already", item) if item in self.written else ("new", item) for item in items]


def test_a_batch_that_lost_its_connection_after_commit_reports_what_committed():
    run = LostAfterCommit()
    outcomes = GroupCommit(run).settle([1, 2, 3])
    assert outcomes == [("already", 1), ("already", 2), ("already", 3)]
    assert run.runs == [[1, 2, 3], [1, 2, 3]]  # once more, whole, on a fresh connection


def test_a_lone_item_that_lost_its_connection_is_retried_too():
    run = LostAfterCommit()
    assert GroupCommit(run).submit("k", 7) == ("already", 7)


def test_a_connection_lost_twice_fails_every_caller_at_once():
    run = LostAfterCommit(lose_every_run=True)
    outcomes = GroupCommit(run).settle([1, 2, 3])
    assert all(isinstance(o, OperationalError) for o in outcomes)
    assert len(run.runs) == 2  # not once more per item, each waiting for a connection


@pytest.mark.django_db(transaction=True)
def test_a_registration_whose_commit_answer_was_lost_is_reported_as_made(founder, monkeypatch):
    from beiyang.events import actions
    from beiyang.events.models import Registration
    from beiyang.events.tests.factories import EventFactory

    user, _company, _api = founder
    event = EventFactory(capacity=5)
    real = actions._settle_taps
    calls = []

    def commit_then_lose(taps):
        calls.append(len(taps))
        outcomes = real(taps)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return outcomes

    monkeypatch.setattr(actions, "_settle_taps", commit_then_lose)
    registration, _created = actions.do_register(user, event.pk)  # raised before: a 500
    assert Registration.objects.get(event=event, user=user) == registration and calls == [1, 1]
