"""Eight providers redeeming against one grant through the provider API over HTTP (API key,
Idempotency-Key, django-ninja, the server as deployed), next to the same guarded update
batched the same way with no HTTP and no redemption around it, in one run and one database of
the benchmark's own; the ledger invariant is checked at the end."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from typing import Any

from django.conf import settings

from beiyang.bench.common import bench_dir, burst, free_port, save, table
from beiyang.bench.events import bench_env, bench_server

PROVIDERS = 8


def _worker(env: dict[str, str], *args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "beiyang.bench.vouchers_worker", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _requests(books: dict[str, Any], each: int, tag: str) -> list[tuple]:
    requests = []
    for j in range(each):
        for i, key in enumerate(books["keys"]):
            body = {
                "company_credit_code": books["credit_code"],
                "kind": "compute",
                "invoice_no": f"{tag}{i}-{j}",
                "contract_no": f"{tag}C{i}-{j}",
                "invoice_amount_cny": "2.00",
            }
            headers = {
                "X-Api-Key": key,
                "Idempotency-Key": f"{tag}-{i}-{j}",
                "Content-Type": "application/json",
            }
            requests.append(("POST", "/api/v1/provider/redemptions", headers, json.dumps(body).encode()))
    return requests


def run(quick: bool = False, log=print) -> dict[str, Any]:
    each = 50 if quick else 250
    db_dir = bench_dir() / "vouchers-db"
    if db_dir.exists():
        shutil.rmtree(db_dir)
    db_dir.mkdir(parents=True)
    # PostgreSQL when the project runs on it (an empty database of its own is best), else SQLite
    # in the benchmark's directory.
    pg = {"DATABASE_URL": settings.DATABASE_URL} if not settings.IS_SQLITE else {}
    env = bench_env(db_dir, **pg)
    books = _worker(env, "setup", str(PROVIDERS))
    server = bench_server(db_dir, free_port(), **pg)
    try:
        asyncio.run(burst(server.base, _requests(books, 5, "warm"), PROVIDERS))  # not counted
        redeem_s, answers = asyncio.run(burst(server.base, _requests(books, each, "B"), PROVIDERS))
    finally:
        server.stop()
    statuses = [a[0] if a else None for a in answers]
    accepted = statuses.count(201)
    base = _worker(env, "baseline", str(PROVIDERS), str(each))
    state = _worker(env, "check", json.dumps(books))
    result = {
        "providers": PROVIDERS,
        "each": each,
        "redeem_s": redeem_s,
        "accepted": accepted,
        "accepted_per_second": accepted / redeem_s,
        "errors": len(statuses) - accepted,
        **base,
        **state,
    }
    result["ratio"] = result["accepted_per_second"] / result["raw_per_second"]
    warm = PROVIDERS * 5
    invariant = (
        result["balance_fen"] >= 0
        and result["accepted_rows"] == accepted + warm
        and result["spent_fen"] == result["expected_spent_fen"]
        and result["books_balanced"]
        and result["errors"] == 0
        and result["messages"] == result["accepted_rows"] + 1  # one per redemption, one for the grant
    )
    result["invariant_holds"] = invariant
    path = save("vouchers", result)
    log(
        table(
            f"Vouchers: {PROVIDERS} providers, one grant ({result['vendor']}, same run)",
            [
                ("measure", "value", "note"),
                (
                    "redemptions/s over HTTP (provider API: key, Idempotency-Key, django-ninja)",
                    f"{result['accepted_per_second']:,.0f}",
                    f"{PROVIDERS} connections, one request in flight each",
                ),
                (
                    "the guarded update alone/s, batched the same way",
                    f"{result['raw_per_second']:,.0f}",
                    f"GroupCommit of ≤ 64, one UPDATE … WHERE each, {PROVIDERS} threads, no HTTP",
                ),
                ("ratio", f"{result['ratio']:.3f}", "goal ≥ 0.33"),
                (
                    "accepted / errors",
                    f"{accepted} / {result['errors']}",
                    f"{PROVIDERS * each} requests",
                ),
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
