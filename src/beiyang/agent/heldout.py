"""Held-out hygiene: a held-out message is scored only if no training file holds it, nor a
near-duplicate of it. Texts are compared normalised (the agent's own normalisation, lower case,
without spaces and punctuation); near means a similarity of 0.9 or more (difflib's ratio, the
share of characters the two have in common, in order).

>>> same("我想报名 周六的路演!", "我想报名周六的路演")
True
>>> similarity("帮我查下算力券余额", "帮我查下算力劵的余额") >= NEAR
True
>>> similarity("帮我查下算力券余额", "帮我报名周六的路演") >= NEAR
False
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

NEAR = 0.9
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def key(text: str) -> str:
    from beiyang.agent.nlu import normalise

    return _NOT_WORD.sub("", normalise(text).lower())


def same(a: str, b: str) -> bool:
    return key(a) == key(b)


def similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, key(a), key(b), autojunk=False).ratio()


def leaks(held_out: Iterable[str], training: Iterable[str]) -> list[tuple[str, str, float]]:
    """Every held-out text found in training: (held-out text, the training text, similarity), the
    same text after normalising counting 1.0."""
    trained: dict[str, str] = {}
    for text in training:
        trained.setdefault(key(text), text)
    by_length: dict[int, list[str]] = {}
    for k in trained:
        by_length.setdefault(len(k), []).append(k)
    found = []
    for text in held_out:
        k = key(text)
        if k in trained:
            found.append((text, trained[k], 1.0))
            continue
        # A ratio of 0.9 needs lengths within 2×(1-0.9)/(1+0.9) of each other: compare only those.
        low, high = int(len(k) * 0.8), int(len(k) * 1.25) + 1
        best: tuple[float, str] | None = None
        matcher = SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(k)  # indexed once, compared with each training text of a near length
        for n in range(low, high + 1):
            for other in by_length.get(n, ()):
                matcher.set_seq1(other)
                if matcher.real_quick_ratio() < NEAR or matcher.quick_ratio() < NEAR:
                    continue
                ratio = matcher.ratio()
                if ratio >= NEAR and (best is None or ratio > best[0]):
                    best = (ratio, other)
        if best is not None:
            found.append((text, trained[best[1]], round(best[0], 3)))
    return found


def texts(paths: Iterable[Path]) -> list[str]:
    from beiyang.agent.classifier import read_rows

    return [r["text"] for r in read_rows(list(paths))]


def rows_without(rows: list[dict[str, Any]], leaked: set[str]) -> list[dict[str, Any]]:
    return [r for r in rows if r["text"] not in leaked]
