"""Charts as inline SVG, drawn on the server: readable on a phone, no scripts, no network.

Text is escaped; every chart has a <title> for screen readers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape

from django.utils.translation import gettext as _

from beiyang.core import words

AXIS_FONT = 10  # about 11 px on a 390 px phone, where the chart is ~350 px wide
BLUE, GREY, RED, GREEN, INK = "#0b5fff", "#e4e7ec", "#c0392b", "#12805c", "#1d2433"


def figure(value: float, unit: str = "") -> str:
    """A figure the way the town writes it (``words.quantity``).

    >>> figure(135_000_000_000, "元"), figure(120_000, "人"), figure(2_500, "家")
    ('1,350亿元', '12万人', '2,500家')
    """
    return words.quantity(value, unit)


def progress(label: str, value: float | None, target: float, unit: str = "", width: int = 320) -> str:
    """A bar to the target with the target as a reference line; past the target it turns green."""
    height, bar_top, bar_h = 46, 18, 14
    share = 0.0 if value is None else value / target if target else 0.0
    scale = max(1.0, share)  # past 100% the axis stretches, the target line moves left
    filled = min(width, width * share / scale)
    target_x = width / scale
    colour = GREEN if share >= 1 else BLUE
    shown = "—" if value is None else figure(value, unit)
    goal = _("2027 target")
    return (
        f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{escape(label)}">'
        f"<title>{escape(label)}: {escape(shown)} / {escape(figure(target, unit))}</title>"
        f'<rect x="0" y="{bar_top}" width="{width}" height="{bar_h}" rx="7" fill="{GREY}"/>'
        f'<rect x="0" y="{bar_top}" width="{filled:.1f}" height="{bar_h}" rx="7" fill="{colour}"/>'
        f'<line x1="{target_x:.1f}" y1="{bar_top - 4}" x2="{target_x:.1f}" y2="{bar_top + bar_h + 4}" '
        f'stroke="{RED}" stroke-width="2" stroke-dasharray="3 2"/>'
        f'<text x="0" y="12" font-size="11" fill="{INK}">{escape(shown)} '
        f"({share * 100:.0f}%)</text>"
        f'<text x="{width}" y="12" font-size="11" text-anchor="end" fill="{RED}">'
        f"{escape(goal)} ≥ {escape(figure(target, unit))}</text>"
        f'<text x="0" y="{height - 1}" font-size="9" fill="#667085"> </text></svg>'
    )


def text_width(text: str, size: float) -> float:
    """About how wide a label is drawn: a Chinese character is square, a digit or Latin letter
    a little over half as wide."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.62 for ch in text)


def axis_labels(
    days: Sequence[dt.date], xs: Sequence[float], width: float, size: float = 9, gap: float = 8
) -> list[tuple[float, str, str]]:
    """(x, anchor, text) for the dates under a line: the first and the last always, the ones
    between only where they do not touch a neighbour. A chart over more than three months
    reads in months (2026年11月), a shorter one in days (11月30日); a month is named once.

    >>> [t for _, _, t in axis_labels([dt.date(2026, 11, 1), dt.date(2026, 11, 30)], [0, 320], 320)]
    ['11月1日', '11月30日']
    """
    monthly = (days[-1] - days[0]).days > 92
    texts = [words.chart_date(d, monthly=monthly) for d in days]
    placed: list[tuple[float, str, str]] = []
    spans: list[tuple[float, float]] = []

    def span(x: float, anchor: str, text: str) -> tuple[float, float]:
        w = text_width(text, size)
        left = x if anchor == "start" else x - w if anchor == "end" else x - w / 2
        return left, left + w

    def fits(box: tuple[float, float]) -> bool:
        return (
            box[0] >= 0 and box[1] <= width and all(box[1] + gap <= a or b + gap <= box[0] for a, b in spans)
        )

    ends = [(0, "start"), (len(days) - 1, "end")] if len(days) > 1 else [(0, "start")]
    for i, anchor in ends:
        box = span(xs[i], anchor, texts[i])
        if fits(box) or not spans:
            placed.append((xs[i], anchor, texts[i]))
            spans.append(box)
    seen = {t for _, _, t in placed}
    # Between the ends: evenly spread candidates, each only if it has room.
    inner = range(1, len(days) - 1)
    step = max(1, len(inner) // 4)
    for i in list(inner)[step // 2 :: step]:
        if texts[i] in seen:
            continue
        box = span(xs[i], "middle", texts[i])
        if fits(box):
            placed.append((xs[i], "middle", texts[i]))
            spans.append(box)
            seen.add(texts[i])
    return sorted(placed)


def trend(
    label: str,
    points: Sequence[tuple[dt.date | str, float]],
    target: float | None = None,
    width: int = 320,
    height: int = 90,
) -> str:
    """A line over time (x in proportion to the dates), the target as a dashed reference line,
    and the dates in words under it."""
    if len(points) < 2:
        empty = _("Not enough history yet")
        return (
            f'<svg viewBox="0 0 {width} 24" width="100%" role="img"><title>{escape(label)}</title>'
            f'<text x="0" y="16" font-size="11" fill="#667085">{escape(empty)}</text></svg>'
        )
    days = [d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)[:10]) for d, _v in points]
    values = [v for _, v in points]
    top = max([*values, target or 0]) or 1
    pad, axis = 6, 14
    plot = height - axis
    spread = (days[-1] - days[0]).days or 1
    xs = [pad + (width - 2 * pad) * (d - days[0]).days / spread for d in days]

    def y(v: float) -> float:
        return plot - pad - (plot - 2 * pad) * v / top

    path = " ".join(
        f"{'M' if i == 0 else 'L'}{x:.1f},{y(v):.1f}" for i, (x, v) in enumerate(zip(xs, values, strict=True))
    )
    parts = [
        f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{escape(label)}">',
        f"<title>{escape(label)}</title>",
        f'<path d="{path}" fill="none" stroke="{BLUE}" stroke-width="2"/>',
    ]
    if target and target <= top:
        parts.append(
            f'<line x1="0" y1="{y(target):.1f}" x2="{width}" y2="{y(target):.1f}" stroke="{RED}" '
            f'stroke-dasharray="4 3"/>'
        )
    for x, anchor, text in axis_labels(days, [min(max(x, 0), width) for x in xs], width, AXIS_FONT):
        x = 0 if anchor == "start" else width if anchor == "end" else x
        parts.append(
            f'<text x="{x:.1f}" y="{height - 2}" font-size="{AXIS_FONT}" text-anchor="{anchor}" fill="#667085">'
            f"{escape(text)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def funnel(label: str, stages: Sequence[tuple[str, float]], width: int = 320) -> str:
    """Horizontal bars narrowing stage by stage, each with its count and share of the first."""
    row = 26
    first = stages[0][1] if stages and stages[0][1] else 1
    parts = [
        f'<svg viewBox="0 0 {width} {row * len(stages)}" width="100%" role="img" aria-label="{escape(label)}">',
        f"<title>{escape(label)}</title>",
    ]
    for i, (name, value) in enumerate(stages):
        w = max(2.0, (width - 120) * value / first)
        x = (width - 120 - w) / 2 + 120
        parts.append(
            f'<text x="0" y="{i * row + 17}" font-size="11" fill="{INK}">{escape(name)}</text>'
            f'<rect x="{x:.1f}" y="{i * row + 4}" width="{w:.1f}" height="{row - 8}" rx="4" fill="{BLUE}" '
            f'opacity="{1 - i * 0.15:.2f}"/>'
            f'<text x="{width - 2}" y="{i * row + 17}" font-size="10" text-anchor="end" fill="{INK}">'
            f"{value:,.0f} ({value / first * 100:.0f}%)</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
