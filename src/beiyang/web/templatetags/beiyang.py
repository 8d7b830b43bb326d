from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language

from beiyang.web import labels

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
def label(code, vocabulary: str) -> str:
    """``{{ a.status|label:"application_status" }}``: see ``beiyang.web.labels``."""
    return labels.label(code, vocabulary)


@register.filter
def cny(value) -> str:
    """Yuan (int, Decimal or string) in the one money format."""
    return labels.money(value)


@register.filter
def fen(value) -> str:
    """Integer fen in the one money format."""
    return labels.money_fen(value)


@register.filter
def fen_exact(value) -> str:
    """Integer fen where every fen matters (ledgers): grouped digits with two decimals."""
    return labels.money_fen(value, fen_matter=True)


@register.filter
def quantity(value, unit: str = "") -> str:
    """A KPI figure with its unit: 1,350亿元, 12万人, 2,500家."""
    return labels.quantity(value, unit)


@register.filter
def moment(value) -> str:
    """A time stamp in words: 12月1日 12:38 / 1 Dec 12:38."""
    return labels.moment_text(value)


@register.filter
def day(value) -> str:
    """A date in words in the reader's language: 2026年11月30日 / 30 Nov 2026."""
    return labels.day_text(value)


@register.filter
def result_mark(result: str) -> str:
    """A criterion's result as a coloured mark with its words for screen readers: ✓ 符合."""
    said = labels.label(result, "criterion_result")
    mark = labels.CRITERION_MARK.get(result, "?")
    return format_html('<span class="mark {}" role="img" aria-label="{}">{}</span>', result, said, mark)


@register.filter
def short_day(value) -> str:
    """A date in words, the year only when it is not this one: 11月30日 / 30 Nov."""
    return labels.day_text(value, short=True)


@register.filter
def forecast(day) -> str:
    return labels.forecast(day)


@register.filter
def listing(values) -> str:
    return labels.listing(values)


@register.filter
def percent(ratio) -> str:
    """0.953 -> 95.3%."""
    return labels.percent(ratio)


@register.filter
def param_value(parameter: dict) -> str:
    """A policy parameter's value with its unit, in words: 20亿元, 徐汇、闵行, 12个月."""
    return labels.param_value(parameter)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if isinstance(mapping, dict) else None
