"""``beiyang agent eval [FILE.jsonl ...] [--backend embedded|llm] [--output PRED.jsonl]``: intent,
slot and aspect accuracy, per-intent counts, a confusion table and latency, on the dev-set format.
Without FILE it scores the public dev set, and the held-out split of the corpus apart.

``beiyang agent cv``: k-fold cross-validation on the training files only (never the held-out
split), comparing feature sets side by side, and the calibration the agent uses."""

import datetime as dt
import json
import statistics
import time
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from beiyang.agent import nlu

# Scored, never trained or tuned on: a quarter of the first writers' corpus (by a fixed hash), a
# whole set by a later writer who never saw the code or the other files, and a quarter of the
# new capabilities' writer's messages (by a fixed hash). Each is kept free of any text, or
# near-duplicate, in a training file (`agent/tests/test_heldout.py`).
HELD_OUT = tuple(
    nlu.HERE / "corpus" / name for name in ("heldout.jsonl", "heldout-2.jsonl", "heldout-3.jsonl")
)


def _read(path: str | Path) -> list[dict]:
    try:
        with open(path, encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]
    except (OSError, ValueError) as exc:
        raise CommandError(f"cannot read {path}: {exc}") from None


class Command(BaseCommand):
    help = "Evaluate the agent's understanding / 评估服务智能体"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        ev = sub.add_parser("eval")
        ev.add_argument("file", nargs="*")
        ev.add_argument("--output")
        ev.add_argument("--backend", choices=["embedded", "llm"], default="embedded")
        ev.add_argument(
            "--today",
            default=nlu.CORPUS_DATE.isoformat(),
            help="the date ages are counted on (default: the date the corpus was written against)",
        )
        sub.add_parser("train", help="retrain the shipped models from the training files")
        cv = sub.add_parser("cv")
        cv.add_argument("--folds", type=int, default=5)
        cv.add_argument("--embeddings", action="store_true", help="also try sentence embeddings")
        cv.add_argument("--only", help="the one feature set to score (its name as printed)")
        cv.add_argument("--l2", type=float, help="the one penalty to score")

    def handle(self, *args, verb, **options):
        if verb == "cv":
            return self.cross_validate(
                options["folds"], options["embeddings"], options.get("only"), options.get("l2")
            )
        if verb == "train":
            for path in nlu.write_shipped():
                self.stdout.write(f"wrote {path}")
            return None
        today = dt.date.fromisoformat(options["today"])
        files = options["file"] or [
            str(p) for p in (nlu.HERE / "training" / "dev-set.jsonl", *HELD_OUT) if p.exists()
        ]
        predictions, unseen = [], []
        held_out = {p.resolve() for p in HELD_OUT}
        for file in files:
            scored = self.evaluate(file, options["backend"], today)
            predictions += scored
            if Path(file).resolve() in held_out:
                unseen += scored
        if len([f for f in files if Path(f).resolve() in held_out]) > 1:
            self.overall(unseen)
        if options.get("output"):
            with open(options["output"], "w", encoding="utf-8") as fh:
                for p in predictions:
                    fh.write(json.dumps(p, ensure_ascii=False) + "\n")

    def evaluate(self, file: str, backend: str, today: dt.date) -> list[dict]:
        rows = _read(file)
        if not rows:
            raise CommandError(f"{file} has no examples")
        understand = nlu.understand
        if backend == "llm":
            from beiyang.agent.llm import configured, understand_with_llm

            if not configured():
                raise CommandError("set LLM_BASE_URL and LLM_MODEL to evaluate the LLM backend")

            def understand(text, today=None):
                return understand_with_llm(text, today=today) or nlu.Understanding(text, "out_of_scope")

        for text in ("预热", "warm up"):
            nlu.understand(text)
        predictions, latencies = [], []
        for row in rows:
            started = time.perf_counter()
            u = understand(row["text"], today=today)
            latencies.append((time.perf_counter() - started) * 1000)
            predictions.append(
                {
                    "text": row["text"],
                    "intent": u.intent,
                    "slots": u.slots,
                    "aspect": u.aspect,
                    "expected_intent": row.get("intent"),
                    "expected_slots": row.get("slots", {}),
                }
            )
        n = len(rows)
        pairs = list(zip(predictions, rows, strict=True))
        intent_ok = sum(p["intent"] == r.get("intent") for p, r in pairs)
        slots_ok = sum(p["slots"] == r.get("slots", {}) for p, r in pairs)
        asked = [(p, r) for p, r in pairs if r.get("aspect")]
        aspect_ok = sum(p["aspect"] == r["aspect"] for p, r in asked)
        latencies.sort()
        resolved = Path(file).resolve()
        trained = {p.resolve() for p in nlu.TRAINING_FILES}
        title = (
            f"HELD-OUT {Path(file).name} (never trained or tuned on)"
            if resolved in {p.resolve() for p in HELD_OUT}
            else f"TRAINING FILE {file} (learned from: not a measure of unseen messages)"
            if resolved in trained
            else file
        )
        self.stdout.write(f"== {title}  [{backend}]")
        self.stdout.write(f"examples        {n}")
        self.stdout.write(f"intent accuracy {intent_ok / n:.1%} ({intent_ok}/{n})")
        self.stdout.write(f"slot accuracy   {slots_ok / n:.1%} ({slots_ok}/{n}, exact match of all slots)")
        if asked:
            self.stdout.write(f"aspect accuracy {aspect_ok / len(asked):.1%} ({aspect_ok}/{len(asked)})")
        self.stdout.write(f"latency p50     {statistics.median(latencies):.3f} ms")
        self.stdout.write(f"latency p95     {latencies[min(n - 1, int(n * 0.95))]:.3f} ms")
        self.per_intent(predictions)
        return predictions

    def per_intent(self, predictions: list[dict]) -> None:
        self.stdout.write(
            "per intent (expected: intent right/total, slots right/total; predicted instead: count)"
        )
        for expected in nlu.INTENTS:
            mine = [p for p in predictions if p["expected_intent"] == expected]
            if not mine:
                continue
            right = sum(p["intent"] == expected for p in mine)
            slots_right = sum(p["slots"] == p["expected_slots"] for p in mine)
            instead = Counter(p["intent"] for p in mine if p["intent"] != expected)
            wrong = ", ".join(f"{i}:{c}" for i, c in sorted(instead.items(), key=lambda x: (-x[1], x[0])))
            self.stdout.write(
                f"  {expected:<24} {right}/{len(mine)} {right / len(mine):6.1%}   "
                f"slots {slots_right}/{len(mine)} {slots_right / len(mine):6.1%}  {wrong}"
            )

    def overall(self, predictions: list[dict]) -> None:
        """Every held-out file together: the figures the issue's goals are stated in."""
        n = len(predictions)
        intent_ok = sum(p["intent"] == p["expected_intent"] for p in predictions)
        slots_ok = sum(p["slots"] == p["expected_slots"] for p in predictions)
        self.stdout.write("== HELD-OUT overall (every held-out file together)")
        self.stdout.write(f"examples        {n}")
        self.stdout.write(f"intent accuracy {intent_ok / n:.1%} ({intent_ok}/{n})")
        self.stdout.write(f"slot accuracy   {slots_ok / n:.1%} ({slots_ok}/{n}, exact match of all slots)")
        self.per_intent(predictions)

    def cross_validate(
        self, folds: int, embeddings: bool, only: str | None = None, one_l2: float | None = None
    ) -> None:
        from beiyang.agent import classifier

        rows = nlu.training_rows()
        self.stdout.write(f"{len(rows)} training messages (held-out split excluded), {folds} folds")

        def rule_features(r):
            return nlu.features(r["text"], nlu.CORPUS_DATE)[0]

        def plain(r):
            return classifier.grams(nlu.normalise(r["text"]))

        variants = {"char n-grams": (plain, None), "char n-grams + slot marks": (rule_features, None)}
        grid = {name: (1e-4,) for name in variants}
        if embeddings:
            import numpy as np

            nlu.embed("预热")
            started = time.perf_counter()
            dense = np.vstack([nlu.embed(nlu.normalise(r["text"])) for r in rows])
            per = (time.perf_counter() - started) * 1000 / len(rows)
            self.stdout.write(f"sentence embeddings: {per:.2f} ms a message")
            variants["embeddings only"] = (lambda r: [], dense)
            variants["char n-grams + slot marks + embeddings"] = (rule_features, dense)
            grid.update(
                {"embeddings only": (1e-4,), "char n-grams + slot marks + embeddings": (1e-5, 3e-5, 1e-4)}
            )
        best = None
        for name, (featurize, dense) in variants.items():
            if only and name != only:
                continue
            for l2 in (one_l2,) if one_l2 else grid[name]:
                started = time.perf_counter()
                out = classifier.cross_validate(rows, featurize, k=folds, l2=l2, dense=dense)
                took = time.perf_counter() - started
                self.stdout.write(
                    f"  {name:<40} l2={l2:<7g} intent accuracy {out['accuracy']:.1%}  ({took:.0f}s)"
                )
                if best is None or out["accuracy"] > best[0]:
                    best = (out["accuracy"], name, l2, out, featurize, dense)
        accuracy, name, l2, out, featurize, dense = best
        temperature = classifier.calibrate(out["logits"], out["truth"])
        self.stdout.write(f"best: {name}, l2={l2:g}: {accuracy:.1%}; calibrated temperature {temperature}")
        import numpy as np

        for threshold in (0.3, 0.4, 0.45, 0.5, 0.6):
            kept = wrong_kept = 0
            for z, y in zip(out["logits"], out["truth"], strict=True):
                p = np.exp((z - z.max()) / temperature)
                p /= p.sum()
                if p.max() >= threshold:
                    kept += 1
                    wrong_kept += int(np.argmax(p) != y)
            self.stdout.write(
                f"  clarify below {threshold:.2f}: asks on {1 - kept / len(rows):.1%} of messages; "
                f"wrong when not asking {wrong_kept / max(kept, 1):.1%}"
            )
        picked = [i for i, r in enumerate(rows) if r.get("intent") == "policy_question" and r.get("aspect")]
        aspect_rows = [rows[i] for i in picked]
        if len({r["aspect"] for r in aspect_rows}) > 1:
            out = classifier.cross_validate(
                aspect_rows,
                featurize,
                label="aspect",
                k=folds,
                l2=l2,
                dense=None if dense is None else dense[picked],
            )
            self.stdout.write(
                f"aspect accuracy (policy questions) {out['accuracy']:.1%} of {len(aspect_rows)}"
            )
        slots_ok = sum(nlu.slots_for(r["intent"], r["text"]) == r.get("slots", {}) for r in rows)
        self.stdout.write(f"slot accuracy (the rules, given the right intent) {slots_ok / len(rows):.1%}")
