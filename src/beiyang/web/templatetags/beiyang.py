from __future__ import annotations

from django import template
from django.utils.translation import get_language

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
        amount = float(value)
    except (TypeError, ValueError):
        return str(value)
    if (get_language() or "").startswith("en"):
        return f"¥{amount:,.0f}"
    if amount >= 100_000_000 and amount % 1_000_000 == 0:
        return f"{amount / 100_000_000:g}亿元"
    if amount >= 10_000 and amount % 100 == 0:
        return f"{amount / 10_000:g}万元"
    return f"{amount:,.0f}元"


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
