"""Drill: Redis dies under a running server process and comes back.

Before: the agent answered 500 (its rate limit had no fallback) and a token revoked in another
process kept working here from memory for up to ``TOKEN_CACHE_SECONDS``. Now the limit counts
in the process while the cache fails, the token cache asks the database while its notice
channel is down, and a new message still wakes the streams of this process (the others re-read
at their heartbeat)."""

from __future__ import annotations

import asyncio
import time

import pytest
from django.core.cache import cache
from django.utils import timezone

from beiyang.accounts import token_cache
from beiyang.accounts.actions import authenticate_token
from beiyang.accounts.models import ApiToken
from beiyang.core.ratelimit import hit
from beiyang.core.realtime import Hub
from beiyang.core.tests.threads import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.drill]


@pytest.fixture
def redis_cache(redis_server, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_server.url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    return redis_server


@pytest.fixture
def notices(redis_server, settings, monkeypatch):
    """A hub of this test's own on the drill's Redis, carrying the token cache's notices."""
    settings.REDIS_URL = redis_server.url
    hub = Hub()
    token_cache.listen_on(hub)
    monkeypatch.setattr(token_cache, "hub", hub)
    yield hub
    hub.close()


def test_the_agent_answers_and_still_limits_with_redis_down(redis_cache, founder):
    _user, _company, api = founder
    assert api.post("agent/messages", {"text": "你好"}).status_code == 200
    redis_cache.kill()
    assert api.post("agent/messages", {"text": "你好"}).status_code == 200  # was a 500
    # The limit holds in the process meanwhile (an hour's window: no rollover mid-test).
    assert [hit("drill", 3, 3600) for _ in range(5)] == [True] * 3 + [False] * 2
    redis_cache.start()
    assert hit("drill-back", 1, 3600) is True
    assert cache.get(f"rate:drill-back:{int(time.time() // 3600)}") == 1  # counted in Redis again


def test_a_token_revoked_elsewhere_while_redis_is_down_stops_working_here(notices, redis_server, founder):
    user, _company, api = founder
    assert authenticate_token(api.token) == user
    assert len(token_cache.token_users) == 1 and notices.notices_flowing()
    redis_server.kill()
    assert wait_for(lambda: not notices.notices_flowing()), "the listener never noticed Redis died"
    # Another process revokes the token; its notice cannot reach this one.
    ApiToken.objects.filter(user=user).update(revoked_at=timezone.now())
    assert authenticate_token(api.token) is None  # answered from memory before: the user
    ApiToken.objects.filter(user=user).update(revoked_at=None)
    assert authenticate_token(api.token) == user  # from the database
    redis_server.start()
    assert wait_for(notices.notices_flowing), "the listener never came back"
    assert authenticate_token(api.token) == user
    assert len(token_cache.token_users) == 1  # remembered again


def test_a_message_still_wakes_local_streams_with_redis_down(notices, redis_server):
    redis_server.kill()

    async def scenario() -> bool:
        sub = notices.subscribe(7)
        try:
            notices.publish(7, 1)  # Redis refuses: the local stream is woken directly
            return await sub.wait(5)
        finally:
            notices.unsubscribe(sub)

    assert asyncio.run(scenario())
