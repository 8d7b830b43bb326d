"""Settings for the test suite (pyproject's DJANGO_SETTINGS_MODULE) and the servers it starts.

The production settings hold no switch for tests: what differs is here, in the open.
"""

import os
import re
from pathlib import Path


def _own_place_per_worker() -> None:
    """Under pytest-xdist each worker (and every server it starts, which inherits the
    environment) gets a var directory of its own (SQLite databases, uploads, the published
    pack's export) and a Redis database of its own (``cache.clear()`` empties a whole Redis
    database). pytest-django gives each worker its own PostgreSQL test database."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw") or os.environ.get("BEIYANG_TEST_PLACE") == worker:
        # A server this worker started inherits the place already made: making it again would
        # put the server's uploads and Redis keys one level away from the test's.
        return
    os.environ["BEIYANG_TEST_PLACE"] = worker
    number = int(worker[2:])
    if os.environ.get("BEIYANG_VAR_DIR"):
        own = Path(os.environ["BEIYANG_VAR_DIR"]) / worker
        own.mkdir(parents=True, exist_ok=True)
        os.environ["BEIYANG_VAR_DIR"] = str(own)
    redis_url = os.environ.get("REDIS_URL", "")
    found = re.fullmatch(r"(redis://[^/]+)(?:/(\d+))?", redis_url)
    if found:
        os.environ["REDIS_URL"] = f"{found.group(1)}/{(int(found.group(2) or 0) + number) % 16}"


_own_place_per_worker()

from beiyang.settings import *  # noqa: E402, F403
from beiyang.settings import ALLOWED_HOSTS, PASSWORD_HASHERS  # noqa: E402

# Django's test client sends Host: testserver.
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]

# Jobs run inline, so that a test sees their effect when the action returns.
HUEY = {"name": "beiyang", "immediate": True}

# Argon2 is deliberately slow; one test checks the production list.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

# Each request stamps its token itself, so that a test can look; one test turns the
# background writer back on.
TOKEN_USE_WRITE_BEHIND = False
