from __future__ import annotations

from django import template
from django.utils.translation import get_language

from beiyang.policies.engine.evaluate import cny_text

register = template.Library()


@register.filter
def tr(obj, key: str):
    """``{{ result|tr:"title" }}``: the English variant (``title_en``) on English pages, else Chinese."""
    if not isinstance(obj, dict):
        return ""
    if (get_language() or "").startswith("en") and obj.get(f"{key}_en"):
        return obj[f"{key}_en"]
    return obj.get(key, "")


@register.filter
def cny(value) -> str:
    if value is None or value == "":
        return ""
    try:
        words = cny_text(float(value))
    except (TypeError, ValueError, ArithmeticError):
        return str(value)
    return words.en if (get_language() or "").startswith("en") else words.zh


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter
def fen(value) -> str:
    """Integer fen as ¥ with thousands separators."""
    if value is None or value == "":
        return ""
    from beiyang.core.money import format_cny

    return format_cny(int(value))
