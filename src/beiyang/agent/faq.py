"""Retrieval over the town's FAQ and the pack's quoted clauses, by character bigrams (no model).

>>> best("北杨小镇在哪里")["id"]
'location'
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from beiyang.agent.nlu import normalise
from beiyang.matching.text import bigrams

THRESHOLD = 0.5
DOCUMENT = "中国城市报《上海徐汇这个小镇如何成AI创业“梦工厂”》(记者 王迪)"


@cache
def entries() -> list[dict[str, Any]]:
    data = yaml.safe_load((Path(__file__).with_name("faq.yaml")).read_text(encoding="utf-8"))
    for entry in data:
        entry["_grams"] = [bigrams(normalise(q)) for q in entry["ask"]]
    return data


def best(text: str) -> dict[str, Any] | None:
    """The FAQ entry whose phrasings share most of the question's bigrams, if close enough."""
    query = bigrams(normalise(text))
    if len(query) < 2:
        return None
    scored = []
    for entry in entries():
        overlap = max(len(query & grams) / min(len(query), len(grams)) for grams in entry["_grams"] if grams)
        scored.append((overlap, entry))
    score, entry = max(scored, key=lambda pair: pair[0])
    return entry if score >= THRESHOLD else None


def citation(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "source": f"faq:{entry['id']}",
        "document": DOCUMENT,
        "clause": entry["clause"],
        "quote": entry["quote"],
        "issuer": "",
        "url": "",
    }
