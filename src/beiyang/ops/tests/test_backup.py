"""A backup taken while the town is writing restores into an empty database whose books balance."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow

LOAD = """
import time
from beiyang.accounts.actions import do_create_staff
from beiyang.companies.tests.factories import CompanyFactory
from beiyang.vouchers.actions import do_fund_pool, do_issue_grant
officer = do_create_staff(phone="13911112222", password="Str0ng-pass-1", role="voucher_officer")
company = CompanyFactory()
do_fund_pool(kind="compute", source="city", year=2026, amount_fen=10**12, actor=officer)
do_fund_pool(kind="compute", source="district", year=2026, amount_fen=10**12, actor=officer)
from beiyang.notifications.actions import do_prepare_deliveries, do_send_message
queued = do_send_message(officer.pk, kind="system", title="queued at the snapshot", channels=False)
do_prepare_deliveries(queued.pk)
print("ready", flush=True)
end = time.monotonic() + {seconds}
n = 0
while time.monotonic() < end:
    do_issue_grant(company=company, kind="compute", amount_fen=100, actor=officer)
    n += 1
print("grants", n, flush=True)
"""


ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def _env(var_dir: Path, database: str) -> dict[str, str]:
    """A process of its own on a database of its own: SQLite in ``var_dir``, or (when the suite
    runs on PostgreSQL) a fresh database on the same server, made and dropped here."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update({"BEIYANG_VAR_DIR": str(var_dir), "HUEY_IMMEDIATE": "1", "DEBUG": "0"})
    if ON_POSTGRES:
        # One name per pytest-xdist worker: two workers never make or drop each other's database.
        database = f"{database}_{os.environ.get('PYTEST_XDIST_WORKER', 'solo')}"
        db = settings.DATABASES["default"]
        server = [
            "-h",
            str(db.get("HOST") or "127.0.0.1"),
            "-p",
            str(db.get("PORT") or 5432),
            "-U",
            db.get("USER") or "postgres",
        ]
        subprocess.run(["dropdb", "--if-exists", *server, database], check=True)
        subprocess.run(["createdb", *server, database], check=True)
        env["DATABASE_URL"] = (
            f"postgres://{db.get('USER') or 'postgres'}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{database}"
        )
    return env


def _beiyang(env, *args, **kw):
    return subprocess.run(
        [sys.executable, "-m", "beiyang.cli", *args], env=env, capture_output=True, text=True, **kw
    )


def test_backup_under_write_load_restores_and_reconciles(tmp_path):
    live, fresh, backup = tmp_path / "live", tmp_path / "fresh", tmp_path / "backup"
    live.mkdir()
    fresh.mkdir()
    env = _env(live, "beiyang_backup_live")
    assert _beiyang(env, "migrate", "--noinput").returncode == 0
    (live / "media" / "applications").mkdir(parents=True)
    (live / "media" / "applications" / "plan.pdf").write_bytes(b"%PDF-1.7 demo\n%%EOF\n")
    load = subprocess.Popen(
        [sys.executable, "-m", "beiyang.cli", "shell", "-v", "0", "-c", LOAD.replace("{seconds}", "6")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert load.stdout.readline().strip() == "ready"
    time.sleep(1.0)
    taken = _beiyang(env, "backup", "--output", str(backup))
    assert taken.returncode == 0, taken.stdout + taken.stderr
    rest = load.communicate(timeout=60)[0]
    assert load.returncode == 0 and "grants" in rest, rest
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["database"] == ("postgresql" if ON_POSTGRES else "sqlite")
    assert "media/applications/plan.pdf" in manifest["files"]
    # Phone numbers, ID numbers and password hashes: for the owner's eyes only.
    assert backup.stat().st_mode & 0o777 == 0o700
    assert {p.stat().st_mode & 0o777 for p in backup.rglob("*") if p.is_file()} == {0o600}
    # The generated key travels with the backup (signed calendar links and QR codes).
    assert manifest["secret_key"] == "included" and "secret_key" in manifest["files"]
    # Into an empty database: restore, then the books must balance and the upload be back.
    env_fresh = _env(fresh, "beiyang_backup_fresh")
    restored = _beiyang(env_fresh, "restore", str(backup))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert (fresh / "media" / "applications" / "plan.pdf").read_bytes().startswith(b"%PDF")
    assert (fresh / "secret_key").read_bytes() == (live / "secret_key").read_bytes()
    assert "deliveries" in restored.stdout and "不再发送" in restored.stdout
    states = _beiyang(
        env_fresh,
        "shell",
        "-v",
        "0",
        "-c",
        "from beiyang.notifications.models import Delivery; "
        "print(sorted(set(Delivery.objects.values_list('status', flat=True))))",
    )
    assert states.stdout.strip() == "['skipped']", states.stdout + states.stderr
    check = _beiyang(env_fresh, "reconcile")
    assert check.returncode == 0, check.stdout + check.stderr
    counts = _beiyang(
        env_fresh,
        "shell",
        "-v",
        "0",
        "-c",
        "from beiyang.vouchers.models import Grant; print(Grant.objects.count())",
    )
    assert int(counts.stdout.strip()) > 0
    # Not over a working town, and not from a damaged backup.
    again = _beiyang(env_fresh, "restore", str(backup))
    assert again.returncode != 0 and "空数据库" in again.stderr
    next(p for p in backup.iterdir() if p.name.startswith("database.")).write_bytes(b"torn")
    other = tmp_path / "other"
    other.mkdir()
    damaged = _beiyang(_env(other, "beiyang_backup_other"), "restore", str(backup))
    assert damaged.returncode != 0 and "损坏" in damaged.stderr


def test_the_nightly_backup_keeps_the_newest_and_copies_each_off_site(tmp_path):
    from tests.s3 import ACCESS_KEY, REGION, SECRET_KEY, local_s3_server, make_bucket, s3_client

    live, root = tmp_path / "live", tmp_path / "backups"
    live.mkdir()
    env = _env(live, "beiyang_backup_nightly")
    assert _beiyang(env, "migrate", "--noinput").returncode == 0
    with local_s3_server() as endpoint:
        make_bucket(endpoint, "town-backups")
        env.update(
            {
                "BACKUP_S3_BUCKET": "town-backups",
                "BACKUP_S3_ENDPOINT_URL": endpoint,
                "BACKUP_S3_ACCESS_KEY_ID": ACCESS_KEY,
                "BACKUP_S3_SECRET_ACCESS_KEY": SECRET_KEY,
                "BACKUP_S3_REGION": REGION,
            }
        )
        (root / "beiyang-20000101-000000").mkdir(parents=True)  # a backup cut short: no manifest
        for _ in range(3):
            taken = _beiyang(env, "backup", "--root", str(root), "--keep", "2", "--offsite")
            assert taken.returncode == 0, taken.stdout + taken.stderr
            assert "s3://town-backups/beiyang/beiyang-" in taken.stdout
            time.sleep(1.1)  # one folder a second
        kept = sorted(p.name for p in root.iterdir())
        keys = [o["Key"] for o in s3_client(endpoint).list_objects_v2(Bucket="town-backups")["Contents"]]
    assert len(kept) == 2 and all((root / name / "manifest.json").is_file() for name in kept)
    assert root.stat().st_mode & 0o777 == 0o700
    manifests = [k for k in keys if k.endswith("/manifest.json")]
    assert len(manifests) == 3 and all(k.startswith("beiyang/beiyang-") for k in manifests)
    refused = _beiyang(env, "backup", "--root", str(root), "--keep", "0")
    assert refused.returncode != 0 and "至少保留一份备份" in refused.stderr
