"""Charts as inline SVG, drawn on the server: readable on a phone, no scripts, no network.

Text is escaped; every chart has a <title> for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape

from beiyang.core.money import yuan_text

BLUE, GREY, RED, GREEN, INK = "#0b5fff", "#e4e7ec", "#c0392b", "#12805c", "#1d2433"


def figure(value: float, unit: str = "") -> str:
    """A figure the way the town writes it: money in 万元/亿元, other counts in 万 from 10,000.

    >>> figure(135_000_000_000, "元"), figure(120_000, "人"), figure(2_500, "家")
    ('1,350亿元', '12万人', '2,500家')
    """
    if unit == "元":
        return yuan_text(Decimal(str(round(value, 2))))
    if value >= 10_000:
        return f"{value / 10_000:,.2f}".rstrip("0").rstrip(".") + f"万{unit}"
    return f"{value:,.0f}{unit}"


def progress(label: str, value: float | None, target: float, unit: str = "", width: int = 320) -> str:
    """A bar to the target with the target as a reference line; past the target it turns green."""
    height, bar_top, bar_h = 46, 18, 14
    share = 0.0 if value is None else value / target if target else 0.0
    scale = max(1.0, share)  # past 100% the axis stretches, the target line moves left
    filled = min(width, width * share / scale)
    target_x = width / scale
    colour = GREEN if share >= 1 else BLUE
    shown = "—" if value is None else figure(value, unit)
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
        f"2027年目标 ≥ {escape(figure(target, unit))}</text>"
        f'<text x="0" y="{height - 1}" font-size="9" fill="#667085"> </text></svg>'
    )


def trend(
    label: str,
    points: Sequence[tuple[str, float]],
    target: float | None = None,
    width: int = 320,
    height: int = 90,
) -> str:
    """A line over time, with the target as a dashed reference line when it fits the scale."""
    if len(points) < 2:
        return (
            f'<svg viewBox="0 0 {width} 24" width="100%" role="img"><title>{escape(label)}</title>'
            f'<text x="0" y="16" font-size="11" fill="#667085">历史数据不足</text></svg>'
        )
    values = [v for _, v in points]
    top = max([*values, target or 0]) or 1
    pad = 6
    step = (width - 2 * pad) / (len(points) - 1)

    def y(v: float) -> float:
        return height - pad - (height - 2 * pad) * v / top

    path = " ".join(f"{'M' if i == 0 else 'L'}{pad + i * step:.1f},{y(v):.1f}" for i, v in enumerate(values))
    parts = [
        f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{escape(label)}">',
        f"<title>{escape(label)}</title>",
        f'<path d="{path}" fill="none" stroke="{BLUE}" stroke-width="2"/>',
    ]
    if target:
        parts.append(
            f'<line x1="0" y1="{y(target):.1f}" x2="{width}" y2="{y(target):.1f}" stroke="{RED}" '
            f'stroke-dasharray="4 3"/>'
        )
    parts.append(
        f'<text x="{pad}" y="{height - 1}" font-size="9" fill="#667085">{escape(points[0][0])}</text>'
        f'<text x="{width - pad}" y="{height - 1}" font-size="9" text-anchor="end" fill="#667085">'
        f"{escape(points[-1][0])}</text></svg>"
    )
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
