"""The request limits count the last ``seconds``, not the current clock window."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from beiyang.core import ratelimit


@pytest.fixture
def clock(monkeypatch):
    now = {"t": 1_800_000_000.0}
    monkeypatch.setattr(ratelimit.time, "time", lambda: now["t"])
    cache.clear()
    return now


def test_a_limit_cannot_be_spent_twice_across_a_window_boundary(clock):
    # 30 a minute: 30 in the last tenth of a second of one minute and more in the first tenth
    # of the next would be 60 within a second under fixed windows.
    clock["t"] = (clock["t"] // 60) * 60 + 59.9
    assert all(ratelimit.hit("test:boundary", 30, 60) for _ in range(30))
    clock["t"] += 0.2
    assert not ratelimit.hit("test:boundary", 30, 60)


def test_the_last_window_counts_less_as_it_slides_away(clock):
    clock["t"] = (clock["t"] // 60) * 60 + 30
    assert all(ratelimit.hit("test:slide", 30, 60) for _ in range(30))
    assert not ratelimit.hit("test:slide", 30, 60)
    # Half-way through the next minute, half of the earlier 31 still counts: room for 14 more.
    clock["t"] += 60
    allowed = sum(ratelimit.hit("test:slide", 30, 60) for _ in range(30))
    assert allowed == 14
    # Two minutes on, the earlier hits are gone.
    clock["t"] += 120
    assert ratelimit.hit("test:slide", 30, 60)


def test_other_keys_do_not_share_a_count(clock):
    assert all(ratelimit.hit("test:one", 3, 60) for _ in range(3))
    assert not ratelimit.hit("test:one", 3, 60)
    assert ratelimit.hit("test:two", 3, 60)
