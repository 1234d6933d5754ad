"""A KPI's baseline, targets and actual as an inline SVG bar chart, drawn on the server.

No JavaScript and no external files, so the chart works offline and under a strict CSP. Every
text placed in the SVG is escaped; colours live in the stylesheet (classes), not inline styles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 24, 48


@dataclass(frozen=True)
class Bar:
    """One printed number: ``kind`` is ``baseline``, ``target`` or ``actual``."""

    category: str
    kind: str
    value: float
    text: str


def nice_ceiling(value: float) -> float:
    """The smallest 1/2/2.5/5 × 10ⁿ at or above ``value`` (a readable axis top)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}".rstrip("0").rstrip(".")


def bar_chart(
    bars: list[Bar], categories: list[str], *, title: str, legend: dict[str, str]
) -> Markup:
    """The SVG markup; one group of bars per category, in the given order."""
    if not bars or not categories:
        return Markup("")
    top = nice_ceiling(max(b.value for b in bars))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(categories)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(5):
        tick = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        parts.append(
            f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(_fmt(tick))}</text>"
        )
    for index, category in enumerate(categories):
        group = [b for b in bars if b.category == category]
        x0 = LEFT + slot * index
        width = min(slot * 0.7 / max(len(group), 1), 56)
        start = x0 + (slot - width * len(group)) / 2
        for j, bar in enumerate(group):
            h = plot_h * bar.value / top
            x, y = start + j * width, TOP + plot_h - h
            parts.append(
                f'<rect class="bar {escape(bar.kind)}" x="{x:.1f}" y="{y:.1f}" '
                f'width="{width - 2:.1f}" height="{h:.1f}"><title>{escape(category)} '
                f"{escape(legend.get(bar.kind, bar.kind))}: {escape(bar.text)}</title></rect>"
            )
            parts.append(
                f'<text class="value" x="{x + (width - 2) / 2:.1f}" y="{y - 4:.1f}" '
                f'text-anchor="middle">{escape(bar.text)}</text>'
            )
        parts.append(
            f'<text class="category" x="{x0 + slot / 2:.1f}" y="{HEIGHT - BOTTOM + 18}" '
            f'text-anchor="middle">{escape(category)}</text>'
        )
    x = LEFT
    for kind, label in legend.items():
        parts.append(
            f'<rect class="bar {escape(kind)}" x="{x}" y="{HEIGHT - 16}" width="12" height="12"/>'
        )
        parts.append(f'<text class="legend" x="{x + 16}" y="{HEIGHT - 6}">{escape(label)}</text>')
        x += 24 + 14 * len(label)
    parts.append("</svg>")
    return Markup("".join(parts))
