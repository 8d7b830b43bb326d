"""Real uvicorn servers on the test database, for tests that need streaming or two processes."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

from beiyang.bench.common import UvicornServer, free_port


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    user = db.get("USER") or "postgres"
    return f"postgres://{user}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@contextmanager
def uvicorn_server(extra_env: dict | None = None):
    """Serve the project on a free port against the current test database; yields the base URL."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "HUEY_IMMEDIATE": "1",
        "DEBUG": "0",
        "BEIYANG_VAR_DIR": str(settings.VAR_DIR),
        "STREAM_HEARTBEAT_SECONDS": "2",
        "DJANGO_SETTINGS_MODULE": "beiyang.settings_test",
        **(extra_env or {}),
    }
    if not settings.REDIS_URL:
        env.pop("REDIS_URL", None)
    server = UvicornServer(env, port)
    try:
        yield server.base
    finally:
        server.stop()
