"""Words for dates, money and quantities in both languages: the ground floor every app may use.

This module imports no domain app (the import contracts in ``pyproject.toml`` hold it to that),
so actions, queries, charts and the agent write a date or an amount the way pages do without
reaching up into ``web``. Vocabularies that belong to a domain (statuses, the pack's titles)
live with that domain; ``web.labels`` reads them for templates.

>>> import datetime as dt
>>> date_words(dt.date(2026, 11, 30), en=False), date_words(dt.date(2026, 11, 30), en=True)
('2026年11月30日', '30 Nov 2026')
>>> date_words(dt.date(2026, 12, 5), en=False, year=False)
'12月5日'
>>> percent("0.125"), listing(["徐汇", "闵行"])
('12.5%', '徐汇、闵行')
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import get_language

from beiyang.core.money import yuan_figure_en, yuan_text

Pair = tuple[str, str]

MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

UNITS: dict[str, Pair] = {
    "days": ("天", " days"),
    "working days": ("个工作日", " working days"),
    "months": ("个月", " months"),
    "years": ("年", " years"),
    "m²": ("平方米", " m²"),
}


def english() -> bool:
    """Whether the reader chose English (the active translation); Chinese otherwise."""
    return (get_language() or "").startswith("en")


def money(yuan: object, *, fen_matter: bool = False) -> str:
    """One money format (``core.money.yuan_text``); on English pages ¥ and
    ``core.money.yuan_figure_en`` (¥1,200,000, ¥135 billion)."""
    if yuan is None or yuan == "":
        return ""
    try:
        amount = Decimal(str(yuan))
    except ArithmeticError:
        return str(yuan)
    if english():
        return f"¥{yuan_figure_en(amount, fen_matter=fen_matter)}"
    return yuan_text(amount, fen_matter=fen_matter)


def money_fen(fen: object, *, fen_matter: bool = False) -> str:
    """Integer fen in the one money format."""
    if fen is None or fen == "":
        return ""
    return money(Decimal(int(str(fen))) / 100, fen_matter=fen_matter)


def quantity(value: object, unit: str = "") -> str:
    """A KPI's figure: money in the one money format, a count in 万 from 10,000 (12万人), with
    grouped digits and no unit on English pages (120,000)."""
    if value is None or value == "":
        return "—"
    number = float(str(value))
    if unit == "元":
        return money(Decimal(str(round(number, 2))))
    if english():
        return f"{number:,.0f}"
    if number >= 10_000:
        return f"{number / 10_000:,.2f}".rstrip("0").rstrip(".") + f"万{unit}"
    return f"{number:,.0f}{unit}"


def percent(ratio: object) -> str:
    if ratio is None or ratio == "":
        return ""
    return f"{Decimal(str(ratio)) * 100:.1f}".rstrip("0").rstrip(".") + "%"


def listing(values: object) -> str:
    """A list as words (徐汇、闵行), never as Python's ``['徐汇']``."""
    if values is None:
        return ""
    if isinstance(values, (list, tuple, set)):
        sep = ", " if english() else "、"
        return sep.join(str(v) for v in values)
    return str(values)


def date_words(day: dt.date, *, en: bool, year: bool = True) -> str:
    """A date in words in the language asked for: 2026年11月30日 / 30 Nov 2026, or without the
    year (11月30日 / 30 Nov). For text that carries both languages at once (the agent)."""
    if en:
        return f"{day.day} {MONTHS_EN[day.month - 1]}" + (f" {day.year}" if year else "")
    return (f"{day.year}年" if year else "") + f"{day.month}月{day.day}日"


def moment_words(when: dt.datetime, *, en: bool) -> str:
    """A time stamp in words, local time, in the language asked for: 12月1日 12:38 (the year
    only when it is not this one: 2025年12月1日 12:38) / 1 Dec 12:38. For messages and errors
    that carry both languages at once."""
    local = timezone.localtime(when) if timezone.is_aware(when) else when
    this_year = local.year == timezone.localdate().year
    return f"{date_words(local, en=en, year=not this_year)} {local.hour:02d}:{local.minute:02d}"


def moment_text(when: dt.datetime | None) -> str:
    """A time stamp in the reader's words (``moment_words`` in the page's language)."""
    return moment_words(when, en=english()) if when else ""


def chart_date(day: dt.date, *, monthly: bool = False) -> str:
    """A date on a chart's axis: 11月30日, or 2026年11月 when the chart spans months
    (30 Nov / Nov 2026 on English pages)."""
    if not monthly:
        return date_words(day, en=english(), year=False)
    return f"{MONTHS_EN[day.month - 1]} {day.year}" if english() else f"{day.year}年{day.month}月"


def day_text(day: dt.date | dt.datetime | None, *, short: bool = False) -> str:
    """A date in words: 2026年11月30日 (30 Nov 2026 on English pages); ``short`` leaves the
    year out when it is this one (11月30日 / 30 Nov)."""
    if not day:
        return ""
    if isinstance(day, dt.datetime):
        day = timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
    return date_words(day, en=english(), year=not (short and day.year == timezone.localdate().year))


def forecast(day: dt.date | str | None, today: dt.date | None = None) -> str:
    """When a pool runs out, read as a person would: beyond this year it is not a date."""
    if day is None:
        return "本年度内不会用完" if not english() else "Will not run out this year"
    if isinstance(day, str):
        try:
            day = dt.date.fromisoformat(day[:10])
        except ValueError:
            return str(day)
    if today is None:
        today = timezone.localdate()
    if day.year > today.year:
        return "本年度内不会用完" if not english() else "Will not run out this year"
    return f"预计{day.month}月{day.day}日用完" if not english() else f"Runs out around {day:%d %b}"


def unit_value(value: object, unit: str) -> str:
    """A figure with a duration or area unit (3个月 / 3 months); the bare value for others."""
    pair = UNITS.get(unit)
    if pair is None:
        return str(value)
    return f"{value}{pair[1] if english() else pair[0]}"
