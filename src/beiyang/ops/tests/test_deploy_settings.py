"""Settings for several machines, read from the environment as a deployment would set it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PRINT = (
    "import json; from django.conf import settings as s; db = s.DATABASES['default']; "
    "print(json.dumps({'cursors': db.get('DISABLE_SERVER_SIDE_CURSORS'), "
    "'connect_timeout': db.get('OPTIONS', {}).get('connect_timeout'), "
    "'pool_timeout': db.get('OPTIONS', {}).get('pool', {}).get('timeout'), "
    "'results': s.HUEY.get('results')}))"
)


def _settings(tmp_path, **env_vars) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update({"BEIYANG_VAR_DIR": str(tmp_path), "HUEY_IMMEDIATE": "0", **env_vars})
    out = subprocess.run(
        [sys.executable, "-m", "beiyang.cli", "shell", "-v", "0", "-c", PRINT],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_postgres_behind_a_transaction_pooler_and_bounded_waits(tmp_path):
    pooled = _settings(
        tmp_path,
        DATABASE_URL="postgres://beiyang@127.0.0.1:6432/beiyang",
        DATABASE_TRANSACTION_POOLING="1",
    )
    assert pooled["cursors"] is True
    assert pooled["connect_timeout"] == 3 and pooled["pool_timeout"] == 5
    direct = _settings(tmp_path, DATABASE_URL="postgres://beiyang@127.0.0.1:5432/beiyang")
    assert direct["cursors"] is False


def test_the_job_queue_keeps_no_results(tmp_path):
    assert _settings(tmp_path)["results"] is False
    assert _settings(tmp_path, REDIS_URL="redis://127.0.0.1:6379/13")["results"] is False
