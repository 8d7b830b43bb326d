"""Who a bearer token belongs to, remembered in the server process.

Every founder API call starts by looking its token up. Alone that query takes about 25 µs. In
a registration rush, with a hundred request threads in the process, it cost about 1 ms of CPU
and 35 thread switches a call: the sqlite3 module lets go of the GIL at every step of a query,
and each time the thread queues behind the others to get it back (``beiyang bench events``
measures the rush with this cache, and a cold one where it cannot help, in one run). Zulip
keeps its API key → user lookup in its cache for the same reason. Tokens it does not hold that
are looked up at the same moment share one statement (``accounts.actions._token_lookups``).

What is kept, per token digest and for ``TOKEN_CACHE_SECONDS``: the user's columns and the
token's id. Every hit builds a fresh ``User``, so no two requests share an instance.

What drops an entry at once: a save or delete of the user or of one of their tokens (model
signals; again after the transaction commits, and then in every other server process too,
through ``core.realtime``'s control notices when ``REDIS_URL`` is set). A lookup that started
before such a change is not remembered. A process whose Redis listener lost its connection
forgets everything when it is back, since notices may have been missed meanwhile, and while
it is not listening (Redis down) it answers nothing from memory: every token is looked up in
the database until the listener is back. A change written around the model signals
(``QuerySet.update``) is picked up when the entry expires; nothing else bounds it, so keep
``TOKEN_CACHE_SECONDS`` short.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, transaction

from beiyang.accounts.models import ApiToken, User
from beiyang.core.realtime import RESUBSCRIBED, Hub, hub

MAX_ENTRIES = 20_000  # ~0.7 KB each with its key (measured), 15 MB at most; past this the oldest quarter goes
FORGET_USER = "accounts.forget_user"


@dataclass
class _Entry:
    user_id: int
    token_id: int
    values: tuple
    expires: float  # on the cache's clock
    stamp_due: dt.datetime  # when the token's last-use stamp is next worth writing


class TokenCache:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._entries: dict[str, _Entry] = {}
        self._by_user: dict[int, set[str]] = {}
        self._lock = threading.Lock()
        self._generation = 0
        self._attnames = [field.attname for field in User._meta.concrete_fields]

    @property
    def generation(self) -> int:
        """Read before the database, handed to ``remember``: a change in between wins."""
        return self._generation

    def get(self, key_hash: str, now: dt.datetime) -> User | None:
        """A fresh ``User`` for the token, with ``token_id`` and ``token_stale`` (its last-use
        stamp is due), or None when the token is not remembered."""
        entry = self._entries.get(key_hash)
        if entry is None:
            return None
        if not hub.notices_flowing():
            return None  # a revocation in another process would not reach us: ask the database
        if entry.expires <= self.clock():
            self._drop(key_hash)
            return None
        user = User.from_db(DEFAULT_DB_ALIAS, self._attnames, entry.values)
        user.token_id = entry.token_id
        user.token_stale = now >= entry.stamp_due
        return user

    def remember(self, key_hash: str, user: User, generation: int, stamp_due: dt.datetime) -> None:
        seconds = settings.TOKEN_CACHE_SECONDS
        if seconds <= 0:
            return
        hub.listen_for_control()
        if not hub.notices_flowing():
            return  # it would not be answered from until the listener is back, and then forgotten
        values = tuple(getattr(user, name) for name in self._attnames)
        entry = _Entry(user.pk, user.token_id, values, self.clock() + seconds, stamp_due)
        with self._lock:
            if generation != self._generation:
                return  # the user or a token changed while this was being read
            if len(self._entries) >= MAX_ENTRIES:
                self._make_room()
            self._entries[key_hash] = entry
            self._by_user.setdefault(user.pk, set()).add(key_hash)

    def stamped(self, key_hash: str, stamp_due: dt.datetime) -> None:
        entry = self._entries.get(key_hash)
        if entry is not None:
            entry.stamp_due = stamp_due

    def forget_user(self, user_id: int) -> None:
        with self._lock:
            self._generation += 1
            for key in self._by_user.pop(user_id, ()):
                self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()
            self._by_user.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def _drop(self, key_hash: str) -> None:
        with self._lock:
            self._remove(key_hash)

    def _remove(self, key_hash: str) -> None:
        """Called with the lock held."""
        entry = self._entries.pop(key_hash, None)
        if entry is not None:
            keys = self._by_user.get(entry.user_id)
            if keys is not None:
                keys.discard(key_hash)
                if not keys:
                    del self._by_user[entry.user_id]

    def _make_room(self) -> None:
        """Called with the lock held: drop the expired entries, else the oldest quarter."""
        now = self.clock()
        doomed = [key for key, entry in self._entries.items() if entry.expires <= now]
        if len(doomed) < MAX_ENTRIES // 4:
            doomed += list(self._entries)[: MAX_ENTRIES // 4]
        for key in doomed:
            self._remove(key)


token_users = TokenCache()


def _user_changed(user_id: int) -> None:
    """Forget the user here now, and everywhere once the change is committed (a lookup between
    the two could have read the old row again)."""
    token_users.forget_user(user_id)
    transaction.on_commit(lambda: hub.broadcast(FORGET_USER, user_id))


def _owner(instance: User | ApiToken) -> int:
    return instance.pk if isinstance(instance, User) else instance.user_id


def _on_saved(sender, instance: User | ApiToken, created: bool, **kwargs) -> None:
    if not created:  # a new user or token changes nothing that is remembered
        _user_changed(_owner(instance))


def _on_deleted(sender, instance: User | ApiToken, **kwargs) -> None:
    _user_changed(_owner(instance))


def connect_signals() -> None:
    from django.db.models.signals import post_delete, post_save

    for model in (User, ApiToken):
        name = model._meta.model_name
        post_save.connect(_on_saved, sender=model, dispatch_uid=f"beiyang.token_cache.{name}_saved")
        post_delete.connect(_on_deleted, sender=model, dispatch_uid=f"beiyang.token_cache.{name}_deleted")
    listen_on(hub)


def listen_on(notices: Hub) -> None:
    """Act on the notices of other processes that ``notices`` carries."""
    notices.on_control(FORGET_USER, lambda user_id: token_users.forget_user(int(user_id)))
    notices.on_control(RESUBSCRIBED, lambda _: token_users.clear())
