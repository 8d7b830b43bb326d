"""``beiyang agent eval FILE.jsonl [--output PRED.jsonl]``: intent and slot accuracy, a
confusion table and latency, on the dev-set format."""

import json
import statistics
import time
from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from beiyang.agent.nlu import INTENTS, understand


class Command(BaseCommand):
    help = "Evaluate the agent's understanding / 评估服务智能体"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        ev = sub.add_parser("eval")
        ev.add_argument("file")
        ev.add_argument("--output")

    def handle(self, *args, verb, file, output=None, **options):
        try:
            with open(file, encoding="utf-8") as fh:
                rows = [json.loads(line) for line in fh if line.strip()]
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read {file}: {exc}") from None
        for text in ("预热", "warm up"):
            understand(text)
        predictions, latencies, confusion = [], [], Counter()
        for row in rows:
            started = time.perf_counter()
            u = understand(row["text"])
            latencies.append((time.perf_counter() - started) * 1000)
            predictions.append({"text": row["text"], "intent": u.intent, "slots": u.slots})
            confusion[(row.get("intent"), u.intent)] += 1
        n = len(rows)
        intent_ok = sum(p["intent"] == r.get("intent") for p, r in zip(predictions, rows, strict=True))
        slots_ok = sum(p["slots"] == r.get("slots", {}) for p, r in zip(predictions, rows, strict=True))
        latencies.sort()
        self.stdout.write(f"examples        {n}")
        self.stdout.write(f"intent accuracy {intent_ok / n:.1%} ({intent_ok}/{n})")
        self.stdout.write(f"slot accuracy   {slots_ok / n:.1%} ({slots_ok}/{n}, exact match of all slots)")
        self.stdout.write(f"latency p50     {statistics.median(latencies):.3f} ms")
        self.stdout.write(f"latency p95     {latencies[min(n - 1, int(n * 0.95))]:.3f} ms")
        self.stdout.write("confusion (expected → predicted: count)")
        for expected in INTENTS:
            row = {p: c for (e, p), c in confusion.items() if e == expected}
            if row:
                cells = ", ".join(f"{p}:{c}" for p, c in sorted(row.items(), key=lambda x: -x[1]))
                self.stdout.write(f"  {expected:<20} {cells}")
        if output:
            with open(output, "w", encoding="utf-8") as fh:
                for p in predictions:
                    fh.write(json.dumps(p, ensure_ascii=False) + "\n")
