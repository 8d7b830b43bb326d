"""The published pack version, exported to a file in the var directory when it is published, so
that ``beiyang benefits`` answers for the version the town published without setting up Django
or opening the database. No Django here.

The file holds the version's YAML files as stored in the database (``PackVersion.files``); it
is replaced (written aside, then renamed) on every publication, so a reader sees the old
version or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

EXPORT_NAME = "published-pack.json"


def export_path(var_dir: Path) -> Path:
    return Path(var_dir) / EXPORT_NAME


def write_export(
    var_dir: Path, *, pack_id: str, version: str, checksum: str, published_at: str, files: dict[str, str]
) -> Path:
    path = export_path(var_dir)
    body = {
        "pack_id": pack_id,
        "version": version,
        "checksum": checksum,
        "published_at": published_at,
        "files": files,
    }
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".published-pack-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(body, fh, ensure_ascii=False)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    return path


def read_export(var_dir: Path) -> dict[str, Any] | None:
    """The exported published version, or None when nothing has been published here."""
    try:
        text = export_path(var_dir).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return json.loads(text)
