"""Request limits in the cache: so many hits per key per window, shared by every server
process through Redis when ``REDIS_URL`` is set.

Counts slide: each window has one cache key, moved by the cache's atomic increment (Redis
``INCR``; the in-process cache increments under a lock), so requests fired together cannot all
read the same count; a hit is judged on this window's count plus the part of the last window's
count that still lies within ``seconds`` of now (the estimate Cloudflare and nginx-style limiters
use). Fixed windows alone let a caller spend the limit twice across a window boundary: 30 a
minute became 60 within a second at hh:mm:59.9. When the cache cannot be reached (Redis down) the count moves
in this process's memory instead: the limit then holds per process, which is looser but still
a limit, rather than none or an error for every caller.

The named limits are ``RATE_LIMITS`` in the settings: ``{name: (hits, seconds)}``.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpRequest

from beiyang.core.errors import RateLimited

logger = logging.getLogger(__name__)
_local = LocMemCache("beiyang-ratelimit-fallback", {"OPTIONS": {"MAX_ENTRIES": 100_000}})


def client_ip(request: HttpRequest | None) -> str:
    """The address the request came from. Behind a reverse proxy, uvicorn's
    ``--forwarded-allow-ips`` puts the client's address here, not the proxy's."""
    if request is None:
        return ""
    return request.META.get("REMOTE_ADDR") or ""


def _count(store: BaseCache, key: str, seconds: int) -> int:
    store.add(key, 0, seconds + 1)
    try:
        return int(store.incr(key))
    except ValueError:  # expired between the two calls
        store.set(key, 1, seconds + 1)
        return 1


def _sliding_count(store: BaseCache, key: str, seconds: int, now: float) -> float:
    window, into = divmod(now, seconds)
    count = _count(store, f"rate:{key}:{int(window)}", 2 * seconds)
    earlier = store.get(f"rate:{key}:{int(window) - 1}", 0)
    return float(count + earlier * (1 - into / seconds))


def hit(key: str, hits: int, seconds: int) -> bool:
    """Count one hit on ``key``; False when more than ``hits`` fell in the last ``seconds``."""
    if hits <= 0 or seconds <= 0:
        return True
    now = time.time()
    try:
        count = _sliding_count(cache, key, seconds, now)
    except Exception:  # the cache is unreachable: limit in this process alone
        logger.warning("rate limit cache unavailable; counting %s in this process", key.split(":")[0])
        count = _sliding_count(_local, key, seconds, now)
    return count <= hits


def once_per(key: str, seconds: int) -> int:
    """Take ``key`` for ``seconds``: 0 when taken now, else the seconds until it frees."""
    if seconds <= 0:
        return 0
    now = time.time()
    try:
        taken = cache.add(f"once:{key}", now, seconds)
        since = now if taken else cache.get(f"once:{key}", now)
    except Exception:  # the cache is unreachable: hold it in this process alone
        logger.warning("rate limit cache unavailable; holding %s in this process", key.split(":")[0])
        taken = _local.add(f"once:{key}", now, seconds)
        since = now if taken else _local.get(f"once:{key}", now)
    return 0 if taken else max(1, int(seconds - (now - since)))


def check_rate(name: str, who: str) -> None:
    """Raise ``RateLimited`` when ``who`` (an address, a number) is over the named limit."""
    hits, seconds = settings.RATE_LIMITS[name]
    if not hit(f"{name}:{who}", hits, seconds):
        raise RateLimited(
            "请求过于频繁,请稍后再试", "Too many requests; try again later", code="rate_limited"
        )
