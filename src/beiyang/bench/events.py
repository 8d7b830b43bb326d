"""Registration rush and message latency against real uvicorn servers.

Runs in its own SQLite database under ``var/bench/events-db`` so that it never touches the
development data. The load generator shares this 2-core machine with the server, for the
plain-JSON baseline and the rush alike.

Each rush is one of the article's scene: founders have the roadshow page open in the app (each
app has made a signed-in call before registration opens; not timed), then all tap 报名 at
once. A cold rush beside it has every founder's first-ever call to this server be the tap,
with a token the server has never seen, so what the process remembers about tokens
(``accounts.token_cache``) is worth nothing there.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from beiyang.bench.common import UvicornServer, bench_dir, burst, free_port, save, table

FOUNDERS = 2000
SEATS = 300
STREAMS = 1000
SAMPLES = 200
IN_FLIGHT = 100  # concurrent connections of the rush, and of the baseline
WARMUP = 100  # requests of each kind before the first round, not counted
ROUNDS = 5  # plain/rush/plain rounds; the machine swings minute to minute, so the median ratio is reported


def bench_env(db_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        {
            "BEIYANG_VAR_DIR": str(db_dir),
            "DEBUG": "0",
            "HUEY_IMMEDIATE": "0",
            "LOG_LEVEL": "WARNING",
            "SMS_BACKEND": "beiyang.accounts.sms.LocmemSmsBackend",
            "STREAM_HEARTBEAT_SECONDS": "15",
            "DJANGO_SETTINGS_MODULE": "beiyang.settings",
            **extra,
        }
    )
    return env


def _setup(db_dir: Path, founders: int, rounds: int) -> dict[str, Any]:
    """Fresh database, founders with tokens, a roadshow with SEATS seats per round, a big salon."""
    if db_dir.exists():
        shutil.rmtree(db_dir)
    db_dir.mkdir(parents=True)
    env = bench_env(db_dir)
    subprocess.run([sys.executable, "-m", "beiyang.cli", "migrate", "--noinput", "-v0"], env=env, check=True)
    out = subprocess.run(
        [sys.executable, "-m", "beiyang.bench.events_setup", str(founders), str(SEATS), str(rounds)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


# The stock way the benchmark compares ours with lives in the bench, not in the settings or the
# production ASGI module: an application module of its own (no frozen start-up heap).
STOCK_ASGI = "beiyang.bench.asgi_stock:application"


def bench_server(
    db_dir: Path,
    port: int,
    extra_args: tuple[str, ...] = (),
    app: str = "beiyang.asgi:application",
    **env: str,
) -> UvicornServer:
    return UvicornServer(
        bench_env(db_dir, **env), port, ("--no-access-log", "--backlog", "4096", *extra_args), app
    )


def _uvloop_and_httptools() -> bool:
    try:
        import httptools  # noqa: F401
        import uvloop  # noqa: F401
    except ImportError:
        return False
    return True


# Each of our replacements of Django's or uvicorn's stock way, switched off alone (or the other
# server switched on), on a fresh server process beside a fresh server as configured: what each
# is worth, measured in the same run.
PARTS = [
    ("as configured", {}, (), True),
    ("no frozen start-up heap", {"app": STOCK_ASGI}, (), True),
    ("uvicorn with httptools and uvloop", {}, ("--http", "httptools", "--loop", "uvloop"), True),
]


def _parts(db_dir: Path, data: dict[str, Any], founders: int, roadshows: list[int]) -> list[dict[str, Any]]:
    out = []
    for (name, env, args, app_open), roadshow in zip(PARTS, roadshows, strict=True):
        if args and not _uvloop_and_httptools():
            out.append({"part": name, "skipped": "httptools/uvloop not installed"})
            continue
        server = bench_server(db_dir, free_port(), args, **env)
        try:
            _warm_up(server, data, data["tokens"])
            tokens = data["tokens"] if app_open else data["cold_tokens"]
            out.append({"part": name, **_pair(server, founders, tokens, roadshow, app_open=app_open)})
        finally:
            server.stop()
    return out


async def _latency(
    stream_base: str, post_base: str, tokens: list[str], event_id: int, streams: int, samples: int
) -> dict[str, Any]:
    """Hold ``streams`` open streams; register ``samples`` of those founders one at a time and
    time each message from the registration response to its arrival on the founder's stream."""
    arrivals: dict[int, float] = {}
    connected = 0
    stop = asyncio.Event()
    limits = httpx.Limits(max_connections=streams + 10, max_keepalive_connections=streams + 10)
    async with (
        httpx.AsyncClient(base_url=stream_base, limits=limits, timeout=None) as streamer,
        httpx.AsyncClient(base_url=post_base, timeout=30) as poster,
    ):

        async def hold(i: int, token: str) -> None:
            nonlocal connected
            async with streamer.stream(
                "GET", "/api/v1/me/messages/stream", headers={"Authorization": f"Bearer {token}"}
            ) as resp:
                async for line in resp.aiter_lines():
                    if line.startswith(": connected"):
                        connected += 1
                    elif line.startswith("data: ") and i not in arrivals:
                        arrivals[i] = time.perf_counter()
                    if stop.is_set():
                        return

        holders = [asyncio.create_task(hold(i, t)) for i, t in enumerate(tokens[:streams])]
        deadline = time.monotonic() + 60
        while connected < streams and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        latencies = []
        for i in range(samples):
            resp = await poster.post(
                f"/api/v1/events/{event_id}/registrations", headers={"Authorization": f"Bearer {tokens[i]}"}
            )
            answered = time.perf_counter()
            assert resp.status_code in (200, 201), resp.text
            wait_until = time.monotonic() + 5
            while i not in arrivals and time.monotonic() < wait_until:
                await asyncio.sleep(0.0005)
            if i in arrivals:
                latencies.append(max(0.0, arrivals[i] - answered))
        stop.set()
        for task in holders:
            task.cancel()
        await asyncio.gather(*holders, return_exceptions=True)
    latencies.sort()
    return {
        "streams": connected,
        "samples": len(latencies),
        "lost": samples - len(latencies),
        "p50_ms": statistics.median(latencies) * 1e3 if latencies else None,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1e3 if latencies else None,
    }


def _redis_url() -> str | None:
    """The Redis the project is configured with (``REDIS_URL``), if it answers: the two-process
    latency runs on it; without one that part is skipped."""
    from django.conf import settings

    if not settings.REDIS_URL:
        return None
    try:
        import redis

        return (
            settings.REDIS_URL if redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1).ping() else None
        )
    except Exception:  # configured but not answering
        return None


def _round(founders: int, plain_s: list[float], plain: list, rush_s: float, results: list) -> dict[str, Any]:
    statuses = [r[1]["status"] for r in results if r and r[0] == 201]
    positions = [
        r[1]["waitlist_position"] for r in results if r and r[0] == 201 and r[1]["status"] == "waitlisted"
    ]
    rush = {
        "founders": founders,
        "seats": SEATS,
        "seconds": rush_s,
        "per_second": founders / rush_s,
        "confirmed": statuses.count("confirmed"),
        "waitlisted": statuses.count("waitlisted"),
        "errors": sum(1 for r in results if not r or r[0] != 201),
        "waitlist_positions_distinct": len(set(positions)) == len(positions),
    }
    plain_json = {
        "requests": founders * len(plain_s),
        "seconds_before_and_after": plain_s,
        "per_second": founders * len(plain_s) / sum(plain_s),
        "errors": sum(1 for r in plain if not r or r[0] != 200),
    }
    rush["ratio_to_plain"] = rush["per_second"] / plain_json["per_second"]
    return {"rush": rush, "plain_json": plain_json}


def _warm_up(server: UvicornServer, data: dict[str, Any], tokens: list[str]) -> None:
    """Not counted: both paths once through every lazy import and cache."""
    asyncio.run(burst(server.base, [("GET", "/healthz", {})] * WARMUP, IN_FLIGHT))
    warmup = [
        ("POST", f"/api/v1/events/{data['warmup']}/registrations", {"Authorization": f"Bearer {t}"})
        for t in tokens[-WARMUP:]
    ]
    asyncio.run(burst(server.base, warmup, IN_FLIGHT))


def _pair(
    server: UvicornServer, founders: int, tokens: list[str], roadshow: int, *, app_open: bool = True
) -> dict[str, Any]:
    """One round: the plain baseline, the rush on a roadshow of its own, the baseline again, back
    to back; the baseline is the two together, so that a drift of the machine during the round
    weighs on both sides. ``app_open``: before the rush (not timed) each founder's app makes a
    signed-in call, as when it shows the roadshow page."""
    healthz = [("GET", "/healthz", {})] * founders
    before_s, before = asyncio.run(burst(server.base, healthz, IN_FLIGHT))
    if app_open:
        opened = [("GET", "/api/v1/me", {"Authorization": f"Bearer {t}"}) for t in tokens]
        asyncio.run(burst(server.base, opened, IN_FLIGHT))
    rush = [
        ("POST", f"/api/v1/events/{roadshow}/registrations", {"Authorization": f"Bearer {t}"}) for t in tokens
    ]
    rush_s, results = asyncio.run(burst(server.base, rush, IN_FLIGHT))
    after_s, after = asyncio.run(burst(server.base, healthz, IN_FLIGHT))
    return _round(founders, [before_s, after_s], before + after, rush_s, results)


def run(quick: bool = False, log=print) -> dict[str, Any]:
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    founders = 400 if quick else FOUNDERS
    streams = 200 if quick else STREAMS
    samples = 50 if quick else SAMPLES
    db_dir = bench_dir() / "events-db"
    rounds = 1 if quick else ROUNDS
    data = _setup(db_dir, founders, rounds + 2 + len(PARTS))
    tokens, salon = data["tokens"], data["salon"]
    roadshows = data["roadshows"][:rounds]
    cold_roadshow, stock_roadshow, *part_roadshows = data["roadshows"][rounds:]
    server = bench_server(db_dir, free_port())
    try:
        _warm_up(server, data, tokens)
        pairs = [_pair(server, founders, tokens, roadshow) for roadshow in roadshows]
        cold_pair = _pair(server, founders, data["cold_tokens"], cold_roadshow, app_open=False)
        latency = asyncio.run(_latency(server.base, server.base, tokens, salon, streams, samples))
    finally:
        server.stop()
    # The same pair once more, served the way Django's stock ASGI setup serves and with every
    # token looked up in the database: what the frozen start-up heap and the token memory are
    # worth together, in the same run.
    stock = bench_server(db_dir, free_port(), app=STOCK_ASGI, TOKEN_CACHE_SECONDS="0")
    try:
        _warm_up(stock, data, tokens)
        stock_pair = _pair(stock, founders, tokens, stock_roadshow)
    finally:
        stock.stop()
    parts = _parts(db_dir, data, founders, part_roadshows)
    redis_latency = None
    redis_url = _redis_url()
    if redis_url:
        env = {"REDIS_URL": redis_url}
        a, b = bench_server(db_dir, free_port(), **env), bench_server(db_dir, free_port(), **env)
        try:
            redis_latency = asyncio.run(_latency(b.base, a.base, tokens[samples:], salon, streams, samples))
        finally:
            a.stop()
            b.stop()
    ratios = sorted(p["rush"]["ratio_to_plain"] for p in pairs)
    median = pairs[[p["rush"]["ratio_to_plain"] for p in pairs].index(statistics.median_low(ratios))]
    results_out = {
        "rounds": pairs,
        "rush": median["rush"],
        "plain_json": median["plain_json"],
        "ratio_median": median["rush"]["ratio_to_plain"],
        "ratio_range": [ratios[0], ratios[-1]],
        "cold_rush": cold_pair,
        "stock_django_asgi": stock_pair,
        "parts": parts,
        "latency_one_process": latency,
        "latency_two_processes_redis": redis_latency,
    }
    path = save("events", results_out)
    rows = [("measure", "value", "note")]
    for n, pair in enumerate(pairs, 1):
        r, p = pair["rush"], pair["plain_json"]
        rows += [
            (
                f"round {n}: plain JSON requests/s (GET /healthz)",
                f"{p['per_second']:,.0f}",
                f"{founders} before and {founders} after the rush, {IN_FLIGHT} connections",
            ),
            (
                f"round {n}: registrations/s, {founders} founders, {SEATS} seats",
                f"{r['per_second']:,.0f}",
                f"{r['ratio_to_plain']:.3f} of plain",
            ),
            (
                f"round {n}: confirmed / waitlisted / errors",
                f"{r['confirmed']} / {r['waitlisted']} / {r['errors']}",
                f"expected {SEATS} / {founders - SEATS} / 0",
            ),
        ]
    cr, cp = cold_pair["rush"], cold_pair["plain_json"]
    sr, sp = stock_pair["rush"], stock_pair["plain_json"]
    rows += [
        (
            "cold rush: each founder's first call is the tap",
            f"{cp['per_second']:,.0f} / {cr['per_second']:,.0f}",
            f"plain/s / registrations/s ({cr['ratio_to_plain']:.3f}); tokens new to the server; "
            f"{cr['confirmed']} / {cr['waitlisted']} / {cr['errors']}",
        ),
        (
            "same pair, Django's stock ASGI serving",
            f"{sp['per_second']:,.0f} / {sr['per_second']:,.0f}",
            f"plain/s / registrations/s ({sr['ratio_to_plain']:.3f}); no GC freeze, no token memory",
        ),
        *(
            (
                f"one part: {part['part']}",
                f"{part['plain_json']['per_second']:,.0f} / {part['rush']['per_second']:,.0f}",
                f"plain/s (GET /healthz) / registrations/s ({part['rush']['ratio_to_plain']:.3f}); "
                f"{part['rush']['confirmed']} / {part['rush']['waitlisted']} / {part['rush']['errors']}",
            )
            if "rush" in part
            else (f"one part: {part['part']}", "skipped", part["skipped"])
            for part in parts
        ),
        (
            "registrations/s ÷ plain JSON/s, median of rounds",
            f"{results_out['ratio_median']:.3f}",
            f"range {ratios[0]:.3f}–{ratios[-1]:.3f}; goal ≥ 0.5",
        ),
        (
            f"message latency p50 / p99, {latency['streams']} open streams",
            f"{latency['p50_ms']:.1f} / {latency['p99_ms']:.1f} ms",
            f"one process; goal p99 < 50 ms; lost {latency['lost']}",
        ),
    ]
    if redis_latency:
        rows.append(
            (
                "same, two processes via Redis",
                f"{redis_latency['p50_ms']:.1f} / {redis_latency['p99_ms']:.1f} ms",
                f"{redis_latency['streams']} streams on the other process; lost {redis_latency['lost']}",
            )
        )
    else:
        rows.append(("two processes via Redis", "skipped", "no REDIS_URL, or it does not answer"))
    log(table("Events: rush and message latency (same run)", rows))
    log(f"saved {path}")
    return results_out
