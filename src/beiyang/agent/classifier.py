"""A learned intent (and question-aspect) classifier: multinomial logistic regression over
character n-grams, trained deterministically from the labelled messages that ship in the repo.

Why this shape: founders type colloquially, with typos, pinyin initials and English; substring
tables only fit the sentences they were written from. Character 1–3-grams need no word
segmentation, survive one wrong character, and train in seconds with numpy + scipy (already
dependencies). The model is trained on first use and cached in ``var/`` under the checksum of
the training files and of this module's feature version, so the same files always give the same
weights whatever the hash seed (no Python ``set`` or ``hash()`` reaches the features: the
vocabulary is sorted).

>>> m = fit([grams("你好"), grams("转人工")] * 3, ["chitchat", "human_handoff"] * 3)
>>> m.predict("你好呀").label
'chitchat'
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import minimize

FEATURE_VERSION = "ngram-1"
NGRAMS = (1, 2, 3)
L2 = 1e-4  # chosen by cross-validation on the training files (beiyang agent cv)
MIN_DF = 2

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_WORD = re.compile(r"[a-z][a-z']*")


def grams(text: str, marks: Iterable[str] = ()) -> list[str]:
    """The features of one (already normalised) message: character n-grams with digits folded,
    English words, and markers for the slots the rules found (e.g. ``@policy``)."""
    t = _NUMBER.sub("0", text.lower())
    t = re.sub(r"\s+", " ", t).strip()
    padded = f"^{t}$"
    out = [padded[i : i + n] for n in NGRAMS for i in range(len(padded) - n + 1)]
    out += ["w:" + w for w in _WORD.findall(t)]
    out += ["@" + m for m in marks]
    return out


@dataclass
class Prediction:
    label: str
    confidence: float
    ranked: list[tuple[str, float]]


@dataclass
class Model:
    labels: list[str]
    vocab: dict[str, int]
    idf: np.ndarray
    weights: np.ndarray  # (features + 1, labels): the last row is the bias
    temperature: float = 1.0
    dense_weights: np.ndarray | None = None  # (embedding size, labels) when embeddings are used
    key: str = ""  # the checksum of what it was trained from

    def vector(self, feats: list[str]) -> tuple[np.ndarray, np.ndarray]:
        counts: dict[int, int] = {}
        for f in feats:
            j = self.vocab.get(f)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        idx = np.fromiter(sorted(counts), dtype=np.int64, count=len(counts))
        vals = np.array([1.0 + math.log(counts[j]) for j in idx.tolist()]) * self.idf[idx]
        norm = float(np.sqrt((vals**2).sum()))
        return idx, (vals / norm if norm else vals)

    def scores(self, feats: list[str], dense: np.ndarray | None = None) -> np.ndarray:
        idx, vals = self.vector(feats)
        z = vals @ self.weights[idx] + self.weights[-1]
        if self.dense_weights is not None and dense is not None:
            z = z + dense @ self.dense_weights
        return z

    def predict_features(self, feats: list[str], dense: np.ndarray | None = None) -> Prediction:
        z = self.scores(feats, dense) / self.temperature
        p = np.exp(z - z.max())
        p /= p.sum()
        order = sorted(range(len(self.labels)), key=lambda i: (-p[i], i))
        ranked = [(self.labels[i], float(p[i])) for i in order]
        return Prediction(ranked[0][0], ranked[0][1], ranked)

    def predict(self, text: str, marks: Iterable[str] = ()) -> Prediction:
        return self.predict_features(grams(text, marks))

    def save(self, path: Path) -> None:
        vocab = sorted(self.vocab, key=self.vocab.__getitem__)
        np.savez_compressed(
            path,
            key=np.array(self.key),
            labels=np.array(self.labels),
            vocab=np.array(vocab),
            idf=self.idf,
            weights=self.weights.astype(np.float32),
            temperature=np.array(self.temperature),
            dense_weights=(
                self.dense_weights.astype(np.float32) if self.dense_weights is not None else np.zeros((0, 0))
            ),
        )

    @classmethod
    def load(cls, path: Path) -> Model:
        with np.load(path, allow_pickle=False) as data:
            vocab = [str(v) for v in data["vocab"]]
            return cls(
                labels=[str(x) for x in data["labels"]],
                vocab={v: i for i, v in enumerate(vocab)},
                idf=data["idf"],
                weights=data["weights"].astype(float),
                key=str(data["key"]) if "key" in data else "",
                temperature=float(data["temperature"]),
                dense_weights=data["dense_weights"].astype(float) if data["dense_weights"].size else None,
            )


def _matrix(model_vocab: dict[str, int], idf: np.ndarray, rows: list[list[str]]) -> sparse.csr_matrix:
    indptr, indices, data = [0], [], []
    m = Model([], model_vocab, idf, np.zeros((1, 1)))
    for feats in rows:
        idx, vals = m.vector(feats)
        indices.extend(idx.tolist())
        data.extend(vals.tolist())
        indptr.append(len(indices))
    return sparse.csr_matrix((data, indices, indptr), shape=(len(rows), len(model_vocab)))


def fit(
    feats: list[list[str]],
    labels: list[str],
    l2: float = L2,
    label_order: list[str] | None = None,
    dense: np.ndarray | None = None,
) -> Model:
    """Multinomial logistic regression, L-BFGS on the mean cross-entropy plus an L2 penalty."""
    classes = label_order or sorted(set(labels))
    y = np.array([classes.index(lab) for lab in labels])
    df: dict[str, int] = {}
    for row in feats:
        for f in dict.fromkeys(row):
            df[f] = df.get(f, 0) + 1
    # Features seen in one message only cannot generalise; dropping them halves the model.
    kept = sorted(f for f, c in df.items() if c >= MIN_DF)
    vocab = {f: i for i, f in enumerate(kept)}
    n = len(feats)
    idf = np.array([math.log((1 + n) / (1 + df[f])) + 1.0 for f in kept])
    x = _matrix(vocab, idf, feats)
    width = 0 if dense is None else dense.shape[1]
    x = sparse.hstack(
        [x] + ([sparse.csr_matrix(dense)] if dense is not None else []) + [np.ones((n, 1))], format="csr"
    )
    k, d = len(classes), x.shape[1]
    onehot = np.zeros((n, k))
    onehot[np.arange(n), y] = 1.0
    mask = np.ones((d, 1))
    mask[-1] = 0.0  # the bias is not penalised

    def loss(flat: np.ndarray) -> tuple[float, np.ndarray]:
        w = flat.reshape(d, k)
        z = x @ w
        z -= z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        value = -(onehot * logp).sum() / n + 0.5 * l2 * float(((w * mask) ** 2).sum())
        grad = x.T @ (np.exp(logp) - onehot) / n + l2 * w * mask
        return value, np.asarray(grad).ravel()

    result = minimize(loss, np.zeros(d * k), jac=True, method="L-BFGS-B", options={"maxiter": 400})
    w = result.x.reshape(d, k)
    if width:
        v = len(vocab)
        return Model(classes, vocab, idf, np.vstack([w[:v], w[-1:]]), dense_weights=w[v : v + width])
    return Model(classes, vocab, idf, w)


def calibrate(probs_logits: list[np.ndarray], truth: list[int]) -> float:
    """The temperature that minimises the held-out negative log-likelihood (a grid: deterministic)."""
    best, best_t = float("inf"), 1.0
    for t in np.arange(0.3, 3.01, 0.05):
        nll = 0.0
        for z, y in zip(probs_logits, truth, strict=True):
            zt = z / t
            zt = zt - zt.max()
            nll -= zt[y] - math.log(float(np.exp(zt).sum()))
        if nll < best:
            best, best_t = nll, float(round(t, 2))
    return best_t


def fold_of(text: str, k: int) -> int:
    """A fixed fold per message (by content, not by position or hash seed)."""
    return int(hashlib.sha1(text.encode("utf-8")).hexdigest()[:8], 16) % k


def cross_validate(
    rows: list[dict[str, Any]],
    featurize: Callable[[dict[str, Any]], list[str]],
    label: str = "intent",
    k: int = 5,
    l2: float = L2,
    dense: np.ndarray | None = None,
) -> dict[str, Any]:
    """Out-of-fold predictions on ``rows``: accuracy, and the logits for calibration."""
    feats = [featurize(r) for r in rows]
    classes = sorted({r[label] for r in rows})
    predicted: list[str] = [""] * len(rows)
    logits: list[np.ndarray] = [np.zeros(0)] * len(rows)
    folds = [fold_of(r["text"], k) for r in rows]
    for fold in range(k):
        train_idx = [i for i, f in enumerate(folds) if f != fold]
        test_idx = [i for i, f in enumerate(folds) if f == fold]
        model = fit(
            [feats[i] for i in train_idx],
            [rows[i][label] for i in train_idx],
            l2,
            classes,
            None if dense is None else dense[train_idx],
        )
        for i in test_idx:
            z = model.scores(feats[i], None if dense is None else dense[i])
            logits[i] = z
            predicted[i] = classes[int(np.argmax(z))]
    correct = sum(p == r[label] for p, r in zip(predicted, rows, strict=True))
    return {
        "accuracy": correct / len(rows),
        "predicted": predicted,
        "logits": logits,
        "truth": [classes.index(r[label]) for r in rows],
        "classes": classes,
    }


def checksum(paths: list[Path], extra: str = "") -> str:
    h = hashlib.sha256((FEATURE_VERSION + extra).encode())
    for p in paths:
        h.update(p.name.encode())
        h.update(p.read_bytes() if p.exists() else b"")
    return h.hexdigest()[:16]


def read_rows(paths: list[Path]) -> list[dict[str, Any]]:
    rows = []
    for p in paths:
        if p.exists():
            rows += [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows
