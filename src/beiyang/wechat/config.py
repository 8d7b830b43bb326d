"""The operator's file (``WECHAT_CONFIG_FILE``, by default ``wechat.yaml`` beside this module):
the welcome, what menu clicks mean, the menu, and the template for each message kind.
``problems`` lists what is wrong with it, for ``beiyang wechat check``."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

MENU_BUTTONS, MENU_ENTRIES = 3, 5
MENU_TYPES = {"click", "view"}


@functools.cache
def _load(path: str, mtime: float) -> dict[str, Any]:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}


def load(path: str | None = None) -> dict[str, Any]:
    """The file as it is now (read again when it changes)."""
    path = path or settings.WECHAT_CONFIG_FILE
    return _load(path, Path(path).stat().st_mtime)


def site(text: str) -> str:
    return text.replace("{site}", settings.SITE_URL.rstrip("/"))


def menu(config: dict[str, Any]) -> dict[str, Any]:
    """The menu as WeChat's menu API takes it, links made absolute."""

    def entry(item: dict[str, Any]) -> dict[str, Any]:
        out = {k: (site(v) if k == "url" else v) for k, v in item.items() if k != "sub_button"}
        if "sub_button" in item:
            out["sub_button"] = [entry(sub) for sub in item["sub_button"]]
        return out

    return {"button": [entry(b) for b in config.get("menu", {}).get("button", [])]}


def problems(config: dict[str, Any]) -> list[str]:
    """What WeChat would refuse or the platform could not use, in words."""
    found: list[str] = []
    clicks = config.get("clicks") or {}
    buttons = (config.get("menu") or {}).get("button") or []
    if not 1 <= len(buttons) <= MENU_BUTTONS:
        found.append(f"menu: {len(buttons)} buttons (1 to {MENU_BUTTONS})")
    for button in buttons:
        name = button.get("name", "")
        subs = button.get("sub_button")
        if len(name.encode()) > 16:
            found.append(f"menu button {name!r}: longer than 16 bytes")
        for item in subs if subs is not None else [button]:
            label = item.get("name", "")
            if subs is not None and len(label.encode()) > 60:
                found.append(f"menu entry {label!r}: longer than 60 bytes")
            if item.get("type") not in MENU_TYPES:
                found.append(f"menu entry {label!r}: type must be click or view")
            elif item["type"] == "click" and item.get("key") not in clicks:
                found.append(f"menu entry {label!r}: key {item.get('key')!r} has no text under clicks")
            elif item["type"] == "view" and not site(str(item.get("url", ""))).startswith("http"):
                found.append(f"menu entry {label!r}: url must start with http(s)")
        if subs is not None and not 1 <= len(subs) <= MENU_ENTRIES:
            found.append(f"menu button {name!r}: {len(subs)} entries (1 to {MENU_ENTRIES})")
    welcome = config.get("welcome") or {}
    if len(welcome.get("things") or []) < 3:
        found.append("welcome: name at least three things founders do")
    for kind, spec in (config.get("templates") or {}).items():
        if not (spec or {}).get("template_id"):
            found.append(f"template {kind}: no template_id")
        for field, value in ((spec or {}).get("data") or {}).items():
            try:
                str(value).format(title="", body="", time="")
            except (KeyError, IndexError, ValueError):
                found.append(
                    f"template {kind}: {field} uses a value other than {{title}}, {{body}}, {{time}}"
                )
    return found
