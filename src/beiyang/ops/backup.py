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

from django.conf import settings
from django.db import connection

from beiyang.core.errors import Conflict, InvalidInput
from beiyang.policies.queries import published_version

MANIFEST = "manifest.json"
FORMAT = 1


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
    output.mkdir(parents=True, exist_ok=True)
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
    media = Path(settings.MEDIA_ROOT)
    if media.exists():
        shutil.copytree(media, output / "media")
        files += [p for p in (output / "media").rglob("*") if p.is_file()]

    published = published_version()
    manifest = {
        "format": FORMAT,
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "database": kind,
        "migrations": _applied_migrations(),
        "pack_version": getattr(published, "version", None),
        "files": {
            str(p.relative_to(output)): {"bytes": p.stat().st_size, "sha256": _sha256(p)} for p in files
        },
    }
    (output / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
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
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        _sqlite_copy(folder / "database.sqlite3", target)
    else:
        args, env = _pg_env_args()
        connection.close()
        subprocess.run(
            [
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                "--dbname",
                settings.DATABASES["default"]["NAME"],
                *args,
                str(folder / "database.pgdump"),
            ],
            check=True,
            env=env,
        )
    if (folder / "media").exists():
        shutil.copytree(folder / "media", Path(settings.MEDIA_ROOT), dirs_exist_ok=True)
    return manifest
