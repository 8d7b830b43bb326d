"""Controlled vocabularies shared by company profiles and the benefits engine's facts."""

from __future__ import annotations

from pathlib import Path

import yaml

from beiyang import paths
from beiyang.core.errors import InvalidInput


def _pack_values(fact: str) -> dict[str, tuple[str, str]]:
    """A fact's allowed values with their names, from the pack shipped in the repository (the
    one source of policy vocabulary): (Chinese, English as a heading)."""
    facts = yaml.safe_load((Path(paths.POLICY_PACK_DIR) / "facts.yaml").read_text(encoding="utf-8"))
    return {
        str(code): (names["zh"], names["en"][:1].upper() + names["en"][1:])
        for code, names in facts[fact]["values"].items()
    }


STAGES = _pack_values("company.stage")
SECTORS = _pack_values("company.sectors")
PROGRAMMES = _pack_values("company.programmes")

MEMBER_ROLES: dict[str, tuple[str, str]] = {
    "founder": ("创始人", "Founder"),
    "cofounder": ("联合创始人", "Co-founder"),
    "member": ("成员", "Member"),
}
STAGE_ALIASES = {
    "pre_a": "pre-a",
    "prea": "pre-a",
    "series a": "a",
    "b": "b+",
    "b_plus": "b+",
    "series b": "b+",
}


def parse_stage(value: object, field: str = "stage") -> str:
    text = str(value).strip().lower() if isinstance(value, str) else ""
    text = STAGE_ALIASES.get(text, text)
    if text not in STAGES:
        raise InvalidInput(
            f"未知的融资阶段,可选:{'、'.join(STAGES)}",
            f"Unknown stage; one of {', '.join(STAGES)}",
            field=field,
            code="invalid_stage",
        )
    return text


def parse_tags(values: object, vocabulary: dict[str, tuple[str, str]], field: str) -> list[str]:
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        raise InvalidInput("应为字符串列表", "Must be a list of strings", field=field)
    tags = sorted({v.strip().lower() for v in values})
    unknown = [t for t in tags if t not in vocabulary]
    if unknown:
        raise InvalidInput(
            f"未知的取值:{'、'.join(unknown)};可选:{'、'.join(vocabulary)}",
            f"Unknown value(s) {', '.join(unknown)}; one of {', '.join(vocabulary)}",
            field=field,
            code=f"invalid_{field}",
        )
    return tags
