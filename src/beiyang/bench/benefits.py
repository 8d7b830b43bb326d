"""Benefits engine against OpenFisca-core, side by side in one run.

OpenFisca runs in its own virtualenv (created here on first use) and computes the same three
rules: youth-fund eligibility, the startup-capital amount and the shared voucher ceiling.
Beiyang evaluates the whole pack (11 policies) with explanations.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings

from beiyang.bench.common import bench_dir, ms, per_call, save, table, us
from beiyang.bench.profiles import synthetic_profiles
from beiyang.policies.engine import evaluate, load_pack_dir
from beiyang.policies.engine.vector import evaluate_batch

OPENFISCA = "openfisca-core==46.0.1"
AS_OF = dt.date(2026, 11, 29)
EXAMPLE = {
    "founder": {"age": 34},
    "company": {
        "district": "徐汇",
        "sectors": ["llm"],
        "stage": "seed",
        "founded_on": "2025-03-01",
        "headcount": 8,
        "in_town": True,
        "programmes": ["young-plan"],
    },
}


def openfisca_python(log) -> Path:
    venv = bench_dir() / "openfisca-venv"
    python = venv / "bin" / "python"
    marker = venv / ".installed"
    if not marker.exists() or marker.read_text() != OPENFISCA:
        log(f"creating {venv} with {OPENFISCA} (first run only)…")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", OPENFISCA], check=True, capture_output=True
        )
        marker.write_text(OPENFISCA)
    return python


def run_openfisca(python: Path, profiles_file: Path | None, repeat: int) -> dict[str, Any]:
    job = {
        "profile": EXAMPLE,
        "period": str(AS_OF.year),
        "repeat": repeat,
        "profiles_file": str(profiles_file) if profiles_file else None,
    }
    runner = Path(__file__).with_name("openfisca_runner.py")
    out = subprocess.run(
        [str(python), str(runner)],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    return json.loads(out.stdout)


def run(quick: bool = False, log=print) -> dict[str, Any]:
    pack = load_pack_dir(settings.POLICY_PACK_DIR)
    n_batch = 10_000 if quick else 100_000
    n_stream = 2_000 if quick else 10_000

    # Single profile, the whole pack with explanations (criteria, citations, suggestions).
    warm = per_call(lambda: evaluate(pack, EXAMPLE, AS_OF), 2000)
    warm_dict = per_call(lambda: evaluate(pack, EXAMPLE, AS_OF).to_dict(), 500)
    stream = synthetic_profiles(n_stream, seed=11)
    pack_cold = load_pack_dir(settings.POLICY_PACK_DIR)  # empty memos
    started = time.perf_counter()
    for profile in stream:
        evaluate(pack_cold, profile, AS_OF)
    stream_each = (time.perf_counter() - started) / n_stream

    # Batch: the same profiles for both engines, inputs included.
    profiles = synthetic_profiles(n_batch)
    profiles_file = bench_dir() / f"profiles-{n_batch}.jsonl"
    profiles_file.write_text("\n".join(json.dumps(p, ensure_ascii=False) for p in profiles), encoding="utf-8")
    rounds = []
    for _ in range(3):
        started = time.perf_counter()
        summary = evaluate_batch(pack, profiles, AS_OF)
        rounds.append(time.perf_counter() - started)
    batch_s = min(rounds)

    of = run_openfisca(openfisca_python(log), profiles_file, repeat=300 if quick else 1000)
    of_single = of["single"]
    of_batch = of["batch"]["seconds"]
    ours_youth = summary.policies["youth-fund"]["eligible"]
    results = {
        "single": {
            "beiyang_evaluate_s": warm,
            "beiyang_evaluate_to_dict_s": warm_dict,
            "beiyang_distinct_profiles_s": stream_each,
            "distinct_profiles": n_stream,
            "openfisca_calculate_s": of_single["calculate_s"],
            "openfisca_build_and_calculate_s": of_single["build_and_calculate_s"],
            "ratio_vs_openfisca_build_and_calculate": of_single["build_and_calculate_s"] / warm,
            "ratio_vs_openfisca_calculate_only": of_single["calculate_s"] / warm,
            "ratio_distinct_vs_openfisca_build_and_calculate": of_single["build_and_calculate_s"]
            / stream_each,
            "policies": len(pack.policies),
            "openfisca_rules": 3,
        },
        "batch": {
            "profiles": n_batch,
            "beiyang_s": batch_s,
            "openfisca_s": of_batch,
            "ratio": of_batch / batch_s,
            "youth_fund_eligible_beiyang": ours_youth,
            "youth_fund_eligible_openfisca": of["batch"]["youth_fund_eligible"],
            "beiyang_rounds_s": rounds,
            "beiyang_median_s": statistics.median(rounds),
            "openfisca_rounds_s": of["batch"]["rounds_s"],
        },
    }
    path = save("benefits", results)
    log(
        table(
            "Benefits engine vs OpenFisca-core (same run)",
            [
                ("measure", "time", "note"),
                (
                    "Beiyang: one profile, 11 policies + explanations",
                    us(warm),
                    "evaluate(); profile seen before",
                ),
                ("Beiyang: same, serialised to JSON-ready dict", us(warm_dict), "evaluate().to_dict()"),
                (f"Beiyang: {n_stream:,} distinct profiles, each", us(stream_each), "memos empty at start"),
                (
                    "OpenFisca: 3 rules, calculate only",
                    us(of_single["calculate_s"]),
                    "simulation built beforehand",
                ),
                (
                    "OpenFisca: 3 rules, build simulation + calculate",
                    us(of_single["build_and_calculate_s"]),
                    "the ~0.9 ms reference",
                ),
                (
                    "ratio (OpenFisca build+calculate / Beiyang)",
                    f"{results['single']['ratio_vs_openfisca_build_and_calculate']:.1f}×",
                    "goal ≥ 10×",
                ),
                (
                    "ratio, distinct profiles",
                    f"{results['single']['ratio_distinct_vs_openfisca_build_and_calculate']:.1f}×",
                    "",
                ),
                (
                    "ratio (OpenFisca calculate only / Beiyang)",
                    f"{results['single']['ratio_vs_openfisca_calculate_only']:.1f}×",
                    "",
                ),
                (f"Beiyang batch: {n_batch:,} profiles, whole pack", ms(batch_s), "inputs included"),
                (f"OpenFisca batch: {n_batch:,} profiles, 3 rules", ms(of_batch), "inputs included"),
                ("ratio (OpenFisca / Beiyang)", f"{results['batch']['ratio']:.1f}×", "goal ≥ 1×"),
            ],
        )
    )
    if ours_youth != of["batch"]["youth_fund_eligible"]:
        log(
            f"note: youth-fund eligible counts differ: Beiyang {ours_youth}, OpenFisca "
            f"{of['batch']['youth_fund_eligible']}"
        )
    log(f"saved {path}")
    return results
