"""Counting requests per minute in the shared cache, or in the process while it is down.

With ``REDIS_URL`` the cache is Redis, shared by every server process. When Redis is down a
limit must not turn into a 500 for every caller: the count moves to the process for as long as
the cache fails (a limit per process instead of per town, for the minutes Redis is away).
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache import cache

logger = logging.getLogger(__name__)
_local: dict[str, int] = {}
_local_lock = threading.Lock()
_warned_at = 0.0


def over_limit(key: str, limit: int, window_seconds: int = 60) -> bool:
    """Count one call for ``key`` in the current window; True when it would be past ``limit``
    (and it is not counted)."""
    bucket = f"{key}:{int(time.time() // window_seconds)}"
    try:
        count = cache.get_or_set(bucket, 0, window_seconds + 10)
        if count >= limit:
            return True
        try:
            cache.incr(bucket)
        except ValueError:  # expired between the two calls
            cache.set(bucket, 1, window_seconds + 10)
        return False
    except Exception:
        _warn_once()
        return _over_local_limit(bucket, limit)


def _over_local_limit(bucket: str, limit: int) -> bool:
    with _local_lock:
        window = bucket.rsplit(":", 1)[1]
        for old in [b for b in _local if not b.endswith(f":{window}")]:
            del _local[old]  # past windows
        count = _local.get(bucket, 0)
        if count >= limit:
            return True
        _local[bucket] = count + 1
        return False


def _warn_once() -> None:
    global _warned_at
    if time.monotonic() - _warned_at > 60:
        _warned_at = time.monotonic()
        logger.warning("rate-limit cache unavailable: counting in this process", exc_info=True)
