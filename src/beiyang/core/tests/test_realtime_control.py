"""Control notices between server processes (``core.realtime``): run here at once, elsewhere
through Redis, and a listener back from a lost connection says so."""

import json

import pytest
from django.conf import settings

from beiyang.core.realtime import CONTROL_CHANNEL, RESUBSCRIBED, _process_id, hub
from beiyang.core.tests.threads import wait_for


@pytest.fixture
def seen():
    notices: list = []
    off = [
        hub.on_control("test.ping", lambda payload: notices.append(("ping", payload))),
        hub.on_control(RESUBSCRIBED, lambda _: notices.append("back")),
    ]
    yield notices
    for remove in off:
        remove()


def test_a_notice_runs_in_the_sending_process_at_once(seen):
    hub.broadcast("test.ping", 7)
    assert seen == [("ping", 7)]


def test_a_failing_handler_does_not_stop_the_others(seen):
    remove = hub.on_control("test.ping", lambda payload: 1 / 0)
    try:
        hub.broadcast("test.ping", 1)
        hub.broadcast("test.ping", 2)
    finally:
        remove()
    assert seen == [("ping", 1), ("ping", 2)]


@pytest.mark.backend("redis")  # notices between processes travel through Redis
def test_notices_from_other_processes_arrive_and_a_lost_connection_is_reported(seen):
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    hub.listen_for_control()
    notice = json.dumps({"t": "test.ping", "p": 1, "from": "another-process"})
    # The listener subscribes in its own thread: send until it hears one.
    assert wait_for(lambda: client.publish(CONTROL_CHANNEL, notice) and ("ping", 1) in seen)
    own = json.dumps({"t": "test.ping", "p": 2, "from": _process_id()})
    client.publish(CONTROL_CHANNEL, own)  # this process's own, handed back: it ran when sent
    client.publish(CONTROL_CHANNEL, json.dumps({"t": "test.ping", "p": 3, "from": "another-process"}))
    assert wait_for(lambda: ("ping", 3) in seen)  # in order: the own one came and went before
    assert ("ping", 2) not in seen
    client.client_kill_filter(_type="pubsub")
    assert wait_for(lambda: "back" in seen)
