"""``beiyang benefits``: the benefits engine from the shell, without Django.

``beiyang`` dispatches here before it imports Django, so answering a profile costs the engine
and the pack, not the settings, the app registry and the system checks. The pack is the
version the town published, read from the export that publishing writes into the var
directory (``published.py``), or the pack shipped in the package while none has been published.

Only what a path needs is imported: one profile, or a small batch, is evaluated by the scalar
engine; numpy is loaded for batches large enough to pay for it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from typing import Any

from beiyang import paths
from beiyang.core.identifiers import shanghai_today
from beiyang.policies import published
from beiyang.policies.engine.errors import PackError, ProfileError
from beiyang.policies.engine.evaluate import EARLIEST_DATE, LATEST_DATE, evaluate
from beiyang.policies.engine.pack import Pack, load_pack, read_pack_files

# Below this many profiles the scalar engine answers sooner than numpy is imported.
SCALAR_BATCH_MAX = 500


class CommandFailed(Exception):
    """A message for standard error and exit status 1."""


def published_pack() -> Pack:
    """The pack the town published (its export), or the shipped pack while none is published.

    The pack's own tests (``tests/*.yaml``) are left out: answering needs only the rules."""
    try:
        export = published.read_export(paths.var_dir())
    except (OSError, ValueError) as exc:
        raise CommandFailed(f"cannot read the published pack {published.EXPORT_NAME}: {exc}") from None
    files = export["files"] if export is not None else read_pack_files(paths.POLICY_PACK_DIR)
    try:
        return load_pack({name: text for name, text in files.items() if not name.startswith("tests/")})
    except PackError as exc:
        raise CommandFailed(f"政策包无效 invalid policy pack: {exc}") from None


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="beiyang benefits", description="Evaluate benefits for a profile or a batch / 计算可享受的政策"
    )
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--profile", help="a JSON profile file ('-' for standard input)")
    group.add_argument("--batch", help="a JSONL file, one profile per line ('-' for standard input)")
    parser.add_argument("--date", help="evaluation date YYYY-MM-DD (default: the profile's as_of, or today)")
    parser.add_argument("--json", action="store_true", dest="as_json", help="print JSON instead of a table")
    return parser.parse_args(argv)


def _as_of(value: Any) -> dt.date:
    try:
        as_of = dt.date.fromisoformat(str(value))
    except ValueError:
        raise CommandFailed("--date must be YYYY-MM-DD / 日期格式应为YYYY-MM-DD") from None
    if not EARLIEST_DATE <= as_of <= LATEST_DATE:
        raise CommandFailed("as_of: 评估日期应在2000年至2100年之间 / as_of must be between 2000 and 2100")
    return as_of


def _read(path: str) -> str:
    try:
        if path == "-":
            return sys.stdin.read()
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except OSError as exc:
        raise CommandFailed(f"cannot read {path}: {exc}") from None


def _read_bytes(path: str) -> bytes:
    try:
        if path == "-":
            return sys.stdin.buffer.read()
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise CommandFailed(f"cannot read {path}: {exc}") from None


def _profile_error(exc: ProfileError) -> CommandFailed:
    return CommandFailed(f"{exc.field}: {exc.message} / {exc.message_en}")


def one(path: str, as_of: dt.date | None, as_json: bool, write) -> None:
    try:
        data = json.loads(_read(path))
    except ValueError as exc:
        raise CommandFailed(f"invalid profile: {exc}") from None
    if as_of is None and isinstance(data, dict) and data.get("as_of"):
        as_of = _as_of(data["as_of"])

    pack = published_pack()
    try:
        result = evaluate(pack, data, as_of or shanghai_today()).to_dict()
    except ProfileError as exc:
        raise _profile_error(exc) from None
    if as_json:
        write(_dumps(result))
        return
    write(f"政策包 pack {result['pack']['version']} · 评估日期 as of {result['as_of']}")
    for r in result["results"]:
        amount = f"{r['amount_cny']:,}" if r["amount_cny"] is not None else "—"
        write(f"{r['status']:<13} {amount:>14}  {r['policy']:<20} {r['title']}")
        for c in r["criteria"]:
            mark = {"pass": "✓", "fail": "✗", "unknown": "?"}[c["result"]]
            write(f"    {mark} {c['label']}")
        for w in r["would_qualify_if"]:
            write(f"    → {w['label']}")
        if r["missing_facts"]:
            write("    缺少 missing: " + "、".join(m["label"] for m in r["missing_facts"]))


def read_jsonl(text: str) -> list[Any]:
    """The profiles of a JSONL text. The lines are parsed as one JSON array (one call into the
    C parser); only when that fails are they parsed one by one, to name the line at fault."""
    lines = text.splitlines()
    kept = [line for line in lines if line.strip()]
    try:
        return json.loads("[" + ",".join(kept) + "]")
    except ValueError:
        pass
    for n, line in enumerate(lines, 1):
        if line.strip():
            try:
                json.loads(line)
            except ValueError as exc:
                raise CommandFailed(f"line {n}: not JSON: {exc}") from None
    raise CommandFailed("not JSON lines / 不是每行一个JSON对象的文件")  # e.g. two values on one line


def count_scalar(pack: Pack, profiles: list[Any], as_of: dt.date) -> dict[str, Any]:
    """The batch summary (``vector.BatchSummary.as_dict``) from the scalar engine."""
    counts: dict[str, dict[str, int]] = {}
    for policy in pack.policies.values():
        if policy.in_force(as_of):
            counts[policy.id] = {"eligible": 0, "undetermined": 0, "ineligible": 0}
            if policy.amount is not None and policy.amount.node is not None:
                counts[policy.id]["eligible_amount_fen"] = 0
    for i, profile in enumerate(profiles):
        if type(profile) is not dict:
            raise ProfileError(f"[{i}]", f"第{i + 1}条资料应为JSON对象", f"profile {i + 1} must be an object")
        try:
            results = evaluate(pack, profile, as_of, suggest=False).results
        except ProfileError as exc:
            raise ProfileError(
                f"[{i}].{exc.field}", f"第{i + 1}条:{exc.message}", f"profile {i + 1}: {exc.message_en}"
            ) from None
        for r in results:
            c = counts[r.policy.id]
            c[r.status] += 1
            if r.status == "eligible" and r.amount is not None and "eligible_amount_fen" in c:
                c["eligible_amount_fen"] += r.amount_fen
    return {"profiles": len(profiles), "policies": counts}


def _summary(pack: Pack, data: bytes, as_of: dt.date) -> dict[str, Any]:
    lines = [line for line in data.splitlines() if line.strip()]
    if len(lines) <= SCALAR_BATCH_MAX:
        return count_scalar(pack, read_jsonl(_text(data)), as_of)
    # Imported only for a large batch: numpy costs a small batch more than its whole run.
    from beiyang.policies.engine import vector

    rows = vector.decode_rows(pack, lines)
    if rows is not None:
        return vector.evaluate_rows(pack, rows, as_of).as_dict()
    # Not plainly one profile object a line: the careful path names what is wrong.
    return vector.evaluate_batch(pack, read_jsonl(_text(data)), as_of).as_dict()


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CommandFailed(f"not UTF-8: {exc}") from None


def batch(path: str, as_of: dt.date | None, as_json: bool, write) -> None:
    started = time.perf_counter()
    data = _read_bytes(path)
    if as_of is None:
        as_of = shanghai_today()
    pack = published_pack()
    try:
        summary = _summary(pack, data, as_of)
    except ProfileError as exc:
        raise _profile_error(exc) from None
    seconds = time.perf_counter() - started
    out = {"profiles": summary["profiles"], "seconds": round(seconds, 4), "pack": pack.version, **summary}
    if as_json:
        write(_dumps(out))
        return
    write(f"profiles {summary['profiles']} · seconds {seconds:.3f} · pack {pack.version}")
    write(f"{'policy':<22}{'eligible':>10}{'undetermined':>14}{'ineligible':>12}")
    for pid, counts in out["policies"].items():
        write(f"{pid:<22}{counts['eligible']:>10}{counts['undetermined']:>14}{counts['ineligible']:>12}")


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, default=str)


def main(argv: list[str]) -> int:
    """Run ``beiyang benefits ARGV``; the exit status (0, or 1 with the reason on standard error)."""
    args = parse_args(argv)
    lines: list[str] = []
    try:
        as_of = _as_of(args.date) if args.date else None
        if args.profile:
            one(args.profile, as_of, args.as_json, lines.append)
        else:
            batch(args.batch, as_of, args.as_json, lines.append)
    except CommandFailed as exc:
        sys.stdout.write("".join(line + "\n" for line in lines))
        sys.stderr.write(f"CommandError: {exc}\n")
        return 1
    sys.stdout.write("".join(line + "\n" for line in lines))
    return 0
