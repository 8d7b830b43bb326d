"""Eight providers hammering one grant, next to the raw guarded-update rate of the same
database, in one run; the ledger invariant is checked at the end."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from typing import Any

from django.conf import settings

from beiyang.bench.common import bench_dir, save, table


def run(quick: bool = False, log=print) -> dict[str, Any]:
    each = 50 if quick else 250
    db_dir = bench_dir() / "vouchers-db"
    if db_dir.exists():
        shutil.rmtree(db_dir)
    db_dir.mkdir(parents=True)
    env = {
        **os.environ,
        "BEIYANG_VAR_DIR": str(db_dir),
        "DEBUG": "0",  # as deployed: no query log
        "HUEY_IMMEDIATE": "0",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "beiyang.settings",
    }
    env.pop("REDIS_URL", None)
    if not settings.DATABASE_URL:
        env.pop("DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, "-m", "beiyang.bench.vouchers_worker", "8", str(each)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["ratio"] = result["accepted_per_second"] / result["raw_per_second"]
    invariant = (
        result["balance_fen"] >= 0
        and result["spent_fen"] == result["expected_spent_fen"]
        and result["books_balanced"]
        and result["errors"] == 0
        and result["messages"] == result["accepted"] + 1  # one per redemption, one for the grant
    )
    result["invariant_holds"] = invariant
    path = save("vouchers", result)
    log(
        table(
            f"Vouchers: 8 providers, one grant ({result['vendor']}, same run)",
            [
                ("measure", "value", "note"),
                (
                    "raw guarded updates/s",
                    f"{result['raw_per_second']:,.0f}",
                    "one UPDATE … WHERE per transaction, 8 threads",
                ),
                (
                    "accepted redemptions/s",
                    f"{result['accepted_per_second']:,.0f}",
                    f"{result['ratio']:.3f} of raw; goal ≥ 0.33",
                ),
                ("accepted / errors", f"{result['accepted']} / {result['errors']}", f"{8 * each} requests"),
                (
                    "invariant (balance ≥ 0, spent = Σ subsidies, books balance, a message each)",
                    "holds" if invariant else "BROKEN",
                    "",
                ),
            ],
        )
    )
    log(f"saved {path}")
    return result
