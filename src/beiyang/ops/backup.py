"""Backups that can be taken while the town is working, and restored into an empty database.

SQLite is copied through its online backup API (a consistent snapshot while writers go on;
copying the file of a live WAL database can tear it). PostgreSQL is dumped by ``pg_dump`` in
its custom format (one consistent snapshot), restored by ``pg_restore``. Uploads are copied as
files. A manifest lists every file with its size and SHA-256, the database kind, the applied
migrations and the policy pack published, and restore checks it before touching anything.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import boto3
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from beiyang.core.audit import log_action
from beiyang.core.errors import Conflict, InvalidInput
from beiyang.notifications.models import Delivery
from beiyang.policies.queries import published_version

MANIFEST = "manifest.json"
SECRET_KEY_FILE = "secret_key"
FORMAT = 1


def _generated_secret_key() -> Path | None:
    """The key file ``settings`` generated and uses, or None when SECRET_KEY comes from the
    environment."""
    import os

    path = Path(settings.VAR_DIR) / "secret_key"
    if os.environ.get("SECRET_KEY") or not path.is_file():
        return None
    return path


def _owner_only(folder: Path) -> None:
    folder.chmod(0o700)
    for path in folder.rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _sqlite_copy(source_path: Path, target_path: Path) -> None:
    """A consistent copy through SQLite's online backup API, while writers go on."""
    source = sqlite3.connect(str(source_path))
    try:
        dest = sqlite3.connect(str(target_path))
        with dest:
            source.backup(dest)
        dest.close()
    finally:
        source.close()


def _pg_env_args() -> tuple[list[str], dict[str, str]]:
    import os

    db = settings.DATABASES["default"]
    args = ["--host", str(db.get("HOST") or "127.0.0.1"), "--port", str(db.get("PORT") or 5432)]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _applied_migrations() -> dict[str, str]:
    from django.db.migrations.recorder import MigrationRecorder

    latest: dict[str, str] = {}
    for app, name in (
        MigrationRecorder(connection).migration_qs.values_list("app", "name").order_by("app", "name")
    ):
        latest[app] = name
    return latest


def take_backup(output: Path) -> dict[str, Any]:
    output = Path(output)
    if output.exists() and any(output.iterdir()):
        raise Conflict("备份目录不为空", "The backup folder is not empty", field="output")
    output.mkdir(parents=True, exist_ok=True, mode=0o700)
    output.chmod(0o700)
    files: list[Path] = []
    if settings.IS_SQLITE:
        target = output / "database.sqlite3"
        _sqlite_copy(Path(settings.DATABASES["default"]["NAME"]), target)
        files.append(target)
        kind = "sqlite"
    else:
        target = output / "database.pgdump"
        args, env = _pg_env_args()
        subprocess.run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--file",
                str(target),
                *args,
                settings.DATABASES["default"]["NAME"],
            ],
            check=True,
            env=env,
        )
        files.append(target)
        kind = "postgresql"
    files += _copy_uploads_out(output / "media")
    key_file = _generated_secret_key()
    if key_file is not None:
        shutil.copyfile(key_file, output / SECRET_KEY_FILE)
        files.append(output / SECRET_KEY_FILE)

    published = published_version()
    manifest = {
        "format": FORMAT,
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "database": kind,
        "migrations": _applied_migrations(),
        "pack_version": getattr(published, "version", None),
        "secret_key": "included"
        if key_file is not None
        else "environment (SECRET_KEY): keep it with this backup",
        "files": {
            str(p.relative_to(output)): {"bytes": p.stat().st_size, "sha256": _sha256(p)} for p in files
        },
    }
    (output / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    _owner_only(output)
    return manifest


def verify(folder: Path) -> dict[str, Any]:
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise InvalidInput(
            "找不到有效的备份清单", "No readable manifest in that folder", field="folder"
        ) from None
    for name, meta in manifest["files"].items():
        path = folder / name
        if not path.is_file() or path.stat().st_size != meta["bytes"] or _sha256(path) != meta["sha256"]:
            raise Conflict(
                f"备份文件已损坏或缺失:{name}", f"A file is damaged or missing: {name}", field="folder"
            )
    return manifest


def _stored_names(storage, folder: str = "") -> list[str]:
    """Every file name in ``storage`` under ``folder``: the local disk and a bucket alike."""
    try:
        folders, names = storage.listdir(folder)
    except FileNotFoundError:  # no upload was ever stored
        return []
    found = [f"{folder}{name}" for name in names]
    for sub in folders:
        found += _stored_names(storage, f"{folder}{sub}/")
    return found


def _copy_uploads_out(target: Path) -> list[Path]:
    """The uploads, wherever they live (this disk or the town's bucket), copied into the
    backup through Django's storage: a backup taken on any app machine holds all of them."""
    copied = []
    for name in _stored_names(default_storage):
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with default_storage.open(name, "rb") as source, path.open("wb") as sink:
            shutil.copyfileobj(source, sink)
        copied.append(path)
    return copied


def _copy_uploads_in(source: Path) -> None:
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        name = path.relative_to(source).as_posix()
        if default_storage.exists(name):
            default_storage.delete(name)
        with path.open("rb") as handle:
            stored = default_storage.save(name, File(handle))
        if stored != name:  # the names are what the database rows point at
            raise Conflict(
                f"上传文件恢复失败:{name}", f"An upload could not be restored as {name}", field="folder"
            )


def _database_is_empty() -> bool:
    return not connection.introspection.table_names()


def restore(folder: Path) -> dict[str, Any]:
    """Into an empty database only: restoring over a working town would merge two histories."""
    folder = Path(folder)
    manifest = verify(folder)
    kind = "sqlite" if settings.IS_SQLITE else "postgresql"
    if manifest["database"] != kind:
        raise Conflict(
            f"备份来自 {manifest['database']},当前数据库是 {kind}",
            f"The backup is of {manifest['database']}, this database is {kind}",
            field="folder",
        )
    if not _database_is_empty():
        raise Conflict(
            "目标数据库不为空,请恢复到新的空数据库", "Restore only into an empty database", field="database"
        )
    if kind == "sqlite":
        target = Path(settings.DATABASES["default"]["NAME"])
        connection.close()
        # Copied beside the target, then renamed over it: a restore cut short leaves either no
        # database or the whole one, never half of one.
        staging = target.with_name(f".{target.name}.restoring")
        staging.unlink(missing_ok=True)
        _sqlite_copy(folder / "database.sqlite3", staging)
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        staging.replace(target)
    else:
        args, env = _pg_env_args()
        connection.close()
        subprocess.run(
            [
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                "--single-transaction",
                "--dbname",
                settings.DATABASES["default"]["NAME"],
                *args,
                str(folder / "database.pgdump"),
            ],
            check=True,
            env=env,
        )
    if (folder / "media").exists():
        _copy_uploads_in(folder / "media")
    if (folder / SECRET_KEY_FILE).exists():
        key_path = Path(settings.VAR_DIR) / "secret_key"
        if not key_path.exists() or key_path.read_bytes() != (folder / SECRET_KEY_FILE).read_bytes():
            key_path.unlink(missing_ok=True)
            key_path.touch(mode=0o600)
            key_path.write_bytes((folder / SECRET_KEY_FILE).read_bytes())
            manifest["secret_key_restored"] = str(key_path)
    manifest["deliveries_not_resent"] = _settle_snapshot_deliveries(manifest["created_at"])
    return manifest


def _settle_snapshot_deliveries(taken_at: str) -> int:
    """Deliveries queued when the snapshot was taken were sent by the town that kept running
    (or are hours late): restoring must not send them all again. Marked skipped, audited."""
    connection.close()  # the restored database, not a connection to what was there before
    queued = Delivery.objects.filter(status=Delivery.QUEUED)
    count = queued.update(
        status=Delivery.SKIPPED,
        last_error=f"restored from a backup taken {taken_at}: not sent again",
        claimed_until=None,
        claim_token="",
    )
    if count:
        log_action("ops.restore.deliveries_settled", actor_label="system", count=count, taken_at=taken_at)
    return count


BACKUP_PREFIX = "beiyang-"


def take_scheduled_backup(root: Path, keep: int, offsite: bool) -> tuple[Path, dict[str, Any]]:
    """The nightly backup: a new dated folder under ``root`` (town time), copied off-site when
    asked, then all but the newest ``keep`` complete backups in ``root`` removed. A folder
    without a manifest (a backup cut short) is never counted as one, and removed too."""
    if keep < 1:
        raise InvalidInput("至少保留一份备份", "Keep at least one backup", field="keep")
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o700)
    folder = root / f"{BACKUP_PREFIX}{timezone.localtime().strftime('%Y%m%d-%H%M%S')}"
    manifest = take_backup(folder)
    if offsite:
        manifest["offsite"] = copy_offsite(folder)
    complete = sorted(
        p for p in root.iterdir() if p.name.startswith(BACKUP_PREFIX) and (p / MANIFEST).is_file()
    )
    partial = [p for p in root.iterdir() if p.name.startswith(BACKUP_PREFIX) and not (p / MANIFEST).is_file()]
    for old in complete[:-keep] + partial:
        shutil.rmtree(old)
    return folder, manifest


def copy_offsite(folder: Path) -> str:
    """Copy a backup folder to the town's off-site bucket (``BACKUP_S3_BUCKET``; an
    S3-compatible store in another region or provider), the manifest last, so that a copy
    without its manifest is known to be incomplete. Retention there is the bucket's own
    lifecycle rule. Returns where it went."""
    bucket = settings.BACKUP_S3_BUCKET
    if not bucket:
        raise InvalidInput(
            "未设置异地备份存储桶 BACKUP_S3_BUCKET", "BACKUP_S3_BUCKET is not set", field="offsite"
        )
    client = boto3.client(
        "s3",
        endpoint_url=settings.BACKUP_S3_ENDPOINT_URL or None,
        aws_access_key_id=settings.BACKUP_S3_ACCESS_KEY_ID or None,
        aws_secret_access_key=settings.BACKUP_S3_SECRET_ACCESS_KEY or None,
        region_name=settings.BACKUP_S3_REGION or None,
    )
    prefix = f"{settings.BACKUP_S3_PREFIX.strip('/')}/{folder.name}".lstrip("/")
    files = sorted((p for p in folder.rglob("*") if p.is_file()), key=lambda p: p.name == MANIFEST)
    for path in files:
        client.upload_file(str(path), bucket, f"{prefix}/{path.relative_to(folder).as_posix()}")
    return f"s3://{bucket}/{prefix}/"
