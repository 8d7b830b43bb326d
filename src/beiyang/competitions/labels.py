"""What the competition pages say, Chinese first; the ``tr`` filter picks the English on English pages."""

from __future__ import annotations

from beiyang.competitions.models import CONFLICT_SOURCES, ENTRY_STATUSES


def label(zh: str, en: str) -> dict[str, str]:
    return {"text": zh, "text_en": en}


STATUS = {code: label(*names) for code, names in ENTRY_STATUSES.items()}
SOURCE = {code: label(*names) for code, names in CONFLICT_SOURCES.items()}
