"""Drill: PostgreSQL drops every connection of the database mid-traffic (``pg_terminate_backend``,
as in a restart or a failover).

Before: each dead pooled connection cost a request its 500, about twenty per process; a
process stalled minutes in pool timeouts (callers waiting for a group-commit leader held the
pool, the leader could not get a connection); a redemption that had committed answered 500.
Now the pool checks a connection before handing it out, waiters give theirs back, and a batch
that lost its connection runs once more on a fresh one, finding what it had committed.

PostgreSQL only: ``make test-pg`` (and ``.ci/run``) run these; the SQLite run skips them."""

from __future__ import annotations

import threading

import httpx
import pytest
from django.db import connection, connections

from beiyang.core.groupcommit import GroupCommit
from beiyang.core.tests.threads import wait_for
from beiyang.events.tests.factories import EventFactory
from tests.servers import database_url, uvicorn_server

# PostgreSQL only: make test-pg (and .ci/run) runs these; the SQLite run leaves them out.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.drill, pytest.mark.backend("postgresql")]


SERVER = "beiyang-drill-server"  # the application_name of the served process's connections


def terminate_backends() -> int:
    """Every connection the served process holds to this database dropped by PostgreSQL: how
    many. (Only the server's: the test process's own pool is not under test.)"""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name = %s",
            [SERVER],
        )
        return cursor.fetchone()[0]


def test_callers_waiting_for_a_leader_hold_no_connection():
    entered, release = threading.Event(), threading.Event()

    def slow_batch(items):
        entered.set()
        release.wait(30)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return list(items)

    combiner = GroupCommit(slow_batch)
    held = []

    def leader():
        try:
            combiner.submit("k", 0)
        finally:
            connections.close_all()

    def follower(i):
        try:
            connection.ensure_connection()  # a request that has used the database already
            held.append(connections["default"])
            combiner.submit("k", i)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=leader)]
    threads[0].start()
    assert entered.wait(10)
    threads += [threading.Thread(target=follower, args=(i,)) for i in range(1, 5)]
    for t in threads[1:]:
        t.start()
    try:
        assert wait_for(lambda: len(combiner._queues["k"]) == 4)
        assert len(held) == 4 and all(wrapper.connection is None for wrapper in held)
    finally:
        release.set()
        for t in threads:
            t.join(30)


def test_backends_terminated_mid_traffic_cost_at_most_one_request(make_founder):
    events = [EventFactory(capacity=50).pk for _ in range(8)]
    founders = [make_founder()[2].token for _ in range(6)]
    answers: list[int | str] = []
    lock = threading.Lock()
    halfway = threading.Event()

    with uvicorn_server({"DATABASE_URL": f"{database_url()}?application_name={SERVER}"}) as base:

        def tap_through(token: str) -> None:
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=base, headers=headers, timeout=15) as client:
                for event_id in events:
                    try:
                        status: int | str = client.post(
                            f"/api/v1/events/{event_id}/registrations"
                        ).status_code
                    except httpx.HTTPError as exc:  # a stall shows up here as a timeout
                        status = type(exc).__name__
                    with lock:
                        answers.append(status)
                        if len(answers) == 12:
                            halfway.set()

        threads = [threading.Thread(target=tap_through, args=(token,)) for token in founders]
        for t in threads:
            t.start()
        assert halfway.wait(60)
        assert terminate_backends() > 0, "no server connection was open: the drill proves nothing"
        for t in threads:
            t.join(120)
    failed = [a for a in answers if a != 201]
    assert len(answers) == 48 and len(failed) <= 1, failed
