"""Where things are on disk, without Django: the settings and the standalone ``beiyang
benefits`` command read the same places."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent.parent
PACKS_DIR = PACKAGE_DIR / "policies" / "packs"
# The town's own pack, shipped with the code and imported by ``beiyang loadpack`` (default
# Beiyang's; another town sets ``BEIYANG_POLICY_PACK_DIR``, e.g. to packs/minhang-example).
POLICY_PACK_DIR = Path(os.environ.get("BEIYANG_POLICY_PACK_DIR") or PACKS_DIR / "beiyang")


def var_dir() -> Path:
    """Databases, uploads, logs and the published pack's export (``BEIYANG_VAR_DIR``)."""
    return Path(os.environ.get("BEIYANG_VAR_DIR") or BASE_DIR / "var")
