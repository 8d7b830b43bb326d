"""``beiyang benefits --profile FILE.json`` and ``beiyang benefits --batch FILE.jsonl``."""

from __future__ import annotations

import datetime as dt
import json
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from beiyang.core.errors import DomainError
from beiyang.policies import queries
from beiyang.policies.engine import ProfileError
from beiyang.policies.engine.vector import evaluate_batch


class Command(BaseCommand):
    help = "Evaluate benefits for a profile or a batch of profiles / 计算可享受的政策"

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--profile", help="a JSON profile file ('-' for standard input)")
        group.add_argument("--batch", help="a JSONL file, one profile per line")
        parser.add_argument(
            "--date", help="evaluation date YYYY-MM-DD (default: the profile's as_of, or today)"
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print JSON instead of a table"
        )

    def handle(self, *args, profile, batch, date, as_json: bool, **options):
        as_of = None
        if date:
            try:
                as_of = dt.date.fromisoformat(date)
            except ValueError:
                raise CommandError("--date must be YYYY-MM-DD / 日期格式应为YYYY-MM-DD") from None
        if profile:
            self._one(profile, as_of, as_json)
        else:
            self._batch(batch, as_of, as_json)

    def _read(self, path: str) -> str:
        try:
            return sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc}") from None

    def _one(self, path: str, as_of, as_json: bool) -> None:
        try:
            data = json.loads(self._read(path))
            if as_of is None and isinstance(data, dict) and data.get("as_of"):
                as_of = dt.date.fromisoformat(str(data["as_of"]))
            evaluation = queries.evaluate_profile(data, as_of)
        except ValueError as exc:
            raise CommandError(f"invalid profile: {exc}") from None
        except DomainError as exc:
            raise CommandError(f"{exc.field}: {exc.message} / {exc.message_en}") from None
        result = evaluation.to_dict()
        if as_json:
            self.stdout.write(_dumps(result))
            return
        self.stdout.write(f"政策包 pack {result['pack']['version']} · 评估日期 as of {result['as_of']}")
        for r in result["results"]:
            amount = f"{r['amount_cny']:,}" if r["amount_cny"] is not None else "—"
            self.stdout.write(f"{r['status']:<13} {amount:>14}  {r['policy']:<20} {r['title']}")
            for c in r["criteria"]:
                mark = {"pass": "✓", "fail": "✗", "unknown": "?"}[c["result"]]
                self.stdout.write(f"    {mark} {c['label']}")
            for w in r["would_qualify_if"]:
                self.stdout.write(f"    → {w['label']}")
            if r["missing_facts"]:
                self.stdout.write("    缺少 missing: " + "、".join(m["label"] for m in r["missing_facts"]))

    def _batch(self, path: str, as_of, as_json: bool) -> None:
        pack = queries.current_pack()
        started = time.perf_counter()
        profiles = []
        for n, line in enumerate(self._read(path).splitlines(), 1):
            if line.strip():
                try:
                    profiles.append(json.loads(line))
                except ValueError as exc:
                    raise CommandError(f"line {n}: not JSON: {exc}") from None
        try:
            summary = evaluate_batch(pack, profiles, queries.check_as_of(as_of))
        except ProfileError as exc:
            raise CommandError(f"{exc.field}: {exc.message} / {exc.message_en}") from None
        seconds = time.perf_counter() - started
        out = {
            "profiles": len(profiles),
            "seconds": round(seconds, 4),
            "pack": pack.version,
            **summary.as_dict(),
        }
        if as_json:
            self.stdout.write(_dumps(out))
            return
        self.stdout.write(f"profiles {len(profiles)} · seconds {seconds:.3f} · pack {pack.version}")
        self.stdout.write(f"{'policy':<22}{'eligible':>10}{'undetermined':>14}{'ineligible':>12}")
        for pid, counts in out["policies"].items():
            self.stdout.write(
                f"{pid:<22}{counts['eligible']:>10}{counts['undetermined']:>14}{counts['ineligible']:>12}"
            )


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, default=str)
