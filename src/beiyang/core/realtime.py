"""Fan-out of "you have a new message" to open streams.

The database row is the message; this only wakes the streams of the person it is for, which
then read the database. In one process the hub hands wake-ups to subscribers' event loops;
with ``REDIS_URL`` set every process publishes to a Redis channel and a listener thread in
each process wakes its local subscribers, so a message created in one server process reaches
a stream held by another. A lost wake-up costs latency, never a message: streams also re-read
the database at every heartbeat.

The same listener carries control notices between server processes (``broadcast`` and
``on_control``): "drop what you remember about this user", say. A notice runs in the process
that sends it at once and, through Redis, in every other one; a lost notice costs what the
receiver's own expiry allows, so nothing may depend on notices alone. ``notices_flowing``
says whether this process can hear them now: what it remembers on their strength (bearer
tokens) is not to be trusted while it cannot.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import redis
from django.conf import settings

logger = logging.getLogger(__name__)
CHANNEL = "beiyang:messages"
CONTROL_CHANNEL = "beiyang:control"
# A control topic run in this process when its listener has subscribed again after losing its
# connection: notices sent in between were missed, so what they would have dropped must go.
RESUBSCRIBED = "realtime.resubscribed"


class Subscriber:
    __slots__ = ("event", "loop", "user_id")

    def __init__(self, user_id: int) -> None:
        self.user_id = user_id
        self.loop = asyncio.get_running_loop()
        self.event = asyncio.Event()

    def wake(self) -> None:
        self.event.set()

    async def wait(self, timeout: float) -> bool:
        """True when woken, False on timeout."""
        try:
            await asyncio.wait_for(self.event.wait(), timeout)
        except TimeoutError:
            return False
        self.event.clear()
        return True


class Hub:
    def __init__(self) -> None:
        self._subscribers: dict[int, set[Subscriber]] = defaultdict(set)
        self._lock = threading.Lock()
        self._listener: threading.Thread | None = None
        self._redis: redis.Redis | None = None
        self._control: dict[str, list[Callable[[Any], None]]] = defaultdict(list)
        self._subscribed = threading.Event()  # the listener holds a live subscription
        self._closed = False

    # --- subscribing (inside an event loop) ---
    def subscribe(self, user_id: int) -> Subscriber:
        sub = Subscriber(user_id)
        with self._lock:
            self._subscribers[user_id].add(sub)
        if settings.REDIS_URL:
            self._ensure_listener()
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        with self._lock:
            subs = self._subscribers.get(sub.user_id)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._subscribers[sub.user_id]

    def subscriber_count(self) -> int:
        with self._lock:
            return sum(len(s) for s in self._subscribers.values())

    # --- publishing (from any thread) ---
    def publish(self, user_id: int, message_id: int) -> None:
        if settings.REDIS_URL:
            try:
                self._client().publish(CHANNEL, json.dumps({"u": user_id, "m": message_id}))
                return
            except Exception:  # Redis down: wake local streams at least; the rest catch up at heartbeat
                logger.exception("publishing to Redis failed; waking local streams only")
        self.wake_local(user_id)

    def wake_local(self, user_id: int) -> None:
        with self._lock:
            subs = list(self._subscribers.get(user_id, ()))
        for sub in subs:
            self.wake_local_subscriber(sub)

    def wake_local_subscriber(self, sub: Subscriber) -> None:
        try:
            sub.loop.call_soon_threadsafe(sub.wake)
        except RuntimeError:  # the loop has closed under us: that stream is gone
            self.unsubscribe(sub)

    # --- control notices between processes ---
    def on_control(self, topic: str, handler: Callable[[Any], None]) -> Callable[[], None]:
        """Run ``handler(payload)`` for every notice on ``topic``, from this process or another.
        Returns what takes the handler off again."""
        self._control[topic].append(handler)
        return lambda: self._control[topic].remove(handler)

    def listen_for_control(self) -> None:
        """Be sure notices from other processes arrive (with ``REDIS_URL``; else there are none).
        A listener started now gets a moment to subscribe, so what the caller remembers next is
        not refused for want of it."""
        if settings.REDIS_URL and self._ensure_listener():
            self._subscribed.wait(timeout=1)

    def notices_flowing(self) -> bool:
        """True when every notice another process sends reaches this one: without ``REDIS_URL``
        there is no other process; with it, while the listener holds its subscription."""
        if not settings.REDIS_URL:
            return True
        listener = self._listener
        return listener is not None and listener.is_alive() and self._subscribed.is_set()

    def close(self) -> None:
        """Stop the listener once its connection ends (for a hub made by a test)."""
        self._closed = True

    def broadcast(self, topic: str, payload: Any) -> None:
        """Run the notice here now, and send it to every other process."""
        self._run_control(topic, payload)
        if settings.REDIS_URL:
            try:
                notice = json.dumps({"t": topic, "p": payload, "from": _process_id()})
                self._client().publish(CONTROL_CHANNEL, notice)
            except Exception:  # Redis down: the other processes fall back on their expiry
                logger.exception("broadcasting %r to Redis failed", topic)

    def _run_control(self, topic: str, payload: Any) -> None:
        for handler in list(self._control.get(topic, ())):
            try:
                handler(payload)
            except Exception:
                logger.exception("control notice %r failed", topic)

    # --- Redis ---
    def _client(self) -> redis.Redis:
        if self._redis is None:
            self._redis = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=5)
        return self._redis

    def _ensure_listener(self) -> bool:
        """Start the listener unless it runs; True when it was started now."""
        with self._lock:
            if self._listener is not None and self._listener.is_alive():
                return False
            self._listener = threading.Thread(target=self._listen, name="beiyang-redis-listener", daemon=True)
            self._listener.start()
            return True

    def _listen(self) -> None:
        delay = 0.5
        subscribed_before = False
        while not self._closed:
            try:
                pubsub = redis.Redis.from_url(settings.REDIS_URL).pubsub(  # type: ignore[no-untyped-call]
                    ignore_subscribe_messages=True
                )
                pubsub.subscribe(CHANNEL, CONTROL_CHANNEL)
                delay = 0.5
                if subscribed_before:
                    self._run_control(RESUBSCRIBED, None)
                subscribed_before = True
                self._subscribed.set()
                for item in pubsub.listen():
                    try:
                        data = json.loads(item["data"])
                        if item["channel"] in (CONTROL_CHANNEL, CONTROL_CHANNEL.encode()):
                            if data["from"] != _process_id():  # ours ran when it was sent
                                self._run_control(str(data["t"]), data["p"])
                        else:
                            self.wake_local(int(data["u"]))
                    except (ValueError, KeyError, TypeError):
                        logger.warning("ignoring malformed fan-out item %r", item)
            except Exception:
                # From here until it subscribes again, notices sent by others are lost.
                self._subscribed.clear()
                if self._closed:
                    return
                logger.exception("Redis listener lost its connection; retrying in %.1fs", delay)
                time.sleep(delay)
                delay = min(delay * 2, 10)


_NONCE = uuid.uuid4().hex[:8]


def _process_id() -> str:
    """Tells this process's own notices apart when Redis hands them back (a forked child has a
    pid of its own)."""
    return f"{os.getpid()}-{_NONCE}"


hub = Hub()
