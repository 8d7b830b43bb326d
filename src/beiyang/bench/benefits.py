"""Benefits engine against OpenFisca-core, side by side in one run.

OpenFisca runs in its own virtualenv (created here on first use) and computes three rules:
youth-fund eligibility, the startup-capital amount and the shared voucher ceiling. Beiyang
evaluates the whole published pack (11 policies).

- Whole process, as a user runs it: ``beiyang benefits --batch FILE`` against
  ``openfisca_runner.py --batch FILE`` (start, load the rules, read the profiles, calculate,
  print), one profile and 100,000, the two commands run in turn and the ratio taken pair by pair.
- Per request: each of 2,000 distinct profiles evaluated with its explanation (``evaluate()``
  then ``to_dict()``: criteria, citations, "would qualify if"), the pack's memos empty at the
  start, against OpenFisca building a simulation and calculating its 3 rules for each of the
  same profiles.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from beiyang.bench.common import bench_dir, ms, save, table, us
from beiyang.bench.profiles import synthetic_profiles
from beiyang.policies.cli import published_pack
from beiyang.policies.engine import evaluate

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


RUNNER = Path(__file__).with_name("openfisca_runner.py")


def run_openfisca(python: Path, stream_file: Path) -> dict[str, Any]:
    job = {"profile": EXAMPLE, "period": str(AS_OF.year), "repeat": 300, "stream_file": str(stream_file)}
    out = subprocess.run(
        [str(python), str(RUNNER)],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    return json.loads(out.stdout)


def beiyang_command() -> list[str]:
    """``beiyang`` as installed beside this Python (what a user runs), else the module."""
    script = Path(sys.executable).with_name("beiyang")
    return [str(script)] if script.exists() else [sys.executable, "-m", "beiyang.cli"]


def _timed(argv: list[str]) -> tuple[float, float, str]:
    """Wall and CPU seconds (user + system) of one whole process, and what it printed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=600)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def side_by_side(ours: list[str], theirs: list[str], runs: int) -> dict[str, Any]:
    """Both whole processes in turn (one warm-up each), the ratio taken pair by pair so that a
    drift in the machine's speed moves both sides of it."""
    _timed(ours), _timed(theirs)
    pairs = []
    for _ in range(runs):
        a, a_cpu, a_out = _timed(ours)
        b, b_cpu, b_out = _timed(theirs)
        pairs.append((a, b, a_cpu, b_cpu))
    ratios = sorted(b / a for a, b, _, _ in pairs)
    cpu_ratios = sorted(b / a for _, _, a, b in pairs)
    return {
        "beiyang_wall_s": [p[0] for p in pairs],
        "openfisca_wall_s": [p[1] for p in pairs],
        "beiyang_cpu_s": [p[2] for p in pairs],
        "openfisca_cpu_s": [p[3] for p in pairs],
        "beiyang_median_s": statistics.median(p[0] for p in pairs),
        "openfisca_median_s": statistics.median(p[1] for p in pairs),
        "ratio_median": statistics.median(ratios),
        "ratio_min": ratios[0],
        "ratio_max": ratios[-1],
        "cpu_ratio_median": statistics.median(cpu_ratios),
        "beiyang_output": json.loads(a_out),
        "openfisca_output": json.loads(b_out),
    }


def _write_jsonl(path: Path, profiles: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(p, ensure_ascii=False) for p in profiles), encoding="utf-8")
    return path


def run(quick: bool = False, log=print) -> dict[str, Any]:
    n_batch = 10_000 if quick else 100_000
    n_stream = 500 if quick else 2_000
    runs = 3 if quick else 5
    python = openfisca_python(log)
    here = bench_dir()

    # Per request: distinct profiles, each evaluated and explained, the memos empty at the start.
    stream = synthetic_profiles(n_stream, seed=11)
    stream_file = _write_jsonl(here / f"stream-{n_stream}.jsonl", stream)
    pack = published_pack()
    for profile in synthetic_profiles(50, seed=12):  # warm-up on other profiles
        evaluate(pack, profile, AS_OF).to_dict()
    pack = published_pack()
    started = time.perf_counter()
    for profile in stream:
        evaluate(pack, profile, AS_OF).to_dict()
    ours_each = (time.perf_counter() - started) / n_stream
    of = run_openfisca(python, stream_file)

    # Whole processes: the user's command against OpenFisca's, the same files.
    one_file = _write_jsonl(here / "profiles-1.jsonl", synthetic_profiles(1))
    batch_file = _write_jsonl(here / f"profiles-{n_batch}.jsonl", synthetic_profiles(n_batch))
    ours = [*beiyang_command(), "benefits", "--json", "--date", AS_OF.isoformat(), "--batch"]
    theirs = [str(python), str(RUNNER), "--batch"]
    one = side_by_side([*ours, str(one_file)], [*theirs, str(one_file)], runs)
    many = side_by_side([*ours, str(batch_file)], [*theirs, str(batch_file)], max(3, runs - 2))
    for side in (one, many):
        side["pack"] = side["beiyang_output"]["pack"]
        side["youth_fund_eligible_beiyang"] = side["beiyang_output"]["policies"]["youth-fund"]["eligible"]
        side["youth_fund_eligible_openfisca"] = side["openfisca_output"]["youth_fund_eligible"]
        del side["beiyang_output"], side["openfisca_output"]

    results = {
        "per_request": {
            "profiles": n_stream,
            "beiyang_evaluate_and_explain_s": ours_each,
            "openfisca_build_and_calculate_s": of["stream_s"],
            "ratio": of["stream_s"] / ours_each,
            "policies": len(pack.policies),
            "openfisca_rules": 3,
        },
        "whole_process_one_profile": one,
        "whole_process_batch": {"profiles": n_batch, **many},
    }
    path = save("benefits", results)

    def ratio(r: dict) -> str:
        return (
            f"{r['ratio_median']:.2f}× ({r['ratio_min']:.2f}–{r['ratio_max']:.2f}); "
            f"CPU {r['cpu_ratio_median']:.2f}×; goal ≥ 1"
        )

    log(
        table(
            f"Benefits engine vs OpenFisca-core (same run; pack {one['pack']}, 11 policies vs 3 rules)",
            [
                ("measure", "Beiyang / OpenFisca", "ratio OpenFisca ÷ Beiyang, median (range)"),
                (
                    f"per request, {n_stream:,} distinct profiles: evaluate + explain vs build + calculate",
                    f"{us(ours_each)} / {us(of['stream_s'])}",
                    f"{results['per_request']['ratio']:.1f}×",
                ),
                (
                    "whole process, 1 profile: `beiyang benefits --batch` vs OpenFisca script",
                    f"{ms(one['beiyang_median_s'])} / {ms(one['openfisca_median_s'])}",
                    ratio(one),
                ),
                (
                    f"whole process, {n_batch:,} profiles: same commands",
                    f"{ms(many['beiyang_median_s'])} / {ms(many['openfisca_median_s'])}",
                    ratio(many),
                ),
            ],
        )
    )
    if many["youth_fund_eligible_beiyang"] != many["youth_fund_eligible_openfisca"]:
        log(
            f"note: youth-fund eligible counts differ: Beiyang {many['youth_fund_eligible_beiyang']}, "
            f"OpenFisca {many['youth_fund_eligible_openfisca']} (its 3 rules are a simplified transcription)"
        )
    log(f"saved {path}")
    return results
