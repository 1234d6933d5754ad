"""A KPI's baseline, targets and actual as an inline SVG bar chart, drawn on the server.

No JavaScript and no external files, so the chart works offline and under a strict CSP. Every
text placed in the SVG is escaped; colours live in the stylesheet (classes), not inline styles.
Large numbers are shown in 百万 (millions) or 万 on the axis, with the unit named above it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 324
LEFT, RIGHT, TOP, BOTTOM = 72, 16, 48, 56
VALUE_FONT = 11


@dataclass(frozen=True)
class Layout:
    """The drawing area: the KPI page's chart (:data:`FULL`) or a dashboard's (:data:`SMALL`).

    ``all_labels`` False draws the printed value above the actual bars only: in a small chart
    the targets' labels would collide, and every number stays in the bars' tooltips.
    """

    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = RIGHT
    top: int = TOP
    bottom: int = BOTTOM
    all_labels: bool = True
    legend_font: int = 12  #: the legend's text size, and the gap after each entry
    legend_gap: int = 32

    @property
    def plot_w(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_h(self) -> float:
        return self.height - self.top - self.bottom


FULL = Layout()
SMALL = Layout(
    width=360,
    height=228,
    left=48,
    right=8,
    top=40,
    bottom=52,
    all_labels=False,
    legend_font=11,
    legend_gap=22,
)


@dataclass(frozen=True)
class Bar:
    """One printed number: ``kind`` is ``baseline``, ``target`` or ``actual``.

    ``text`` is the printed notation (tooltips); ``short`` the label drawn above the bar.
    """

    category: str
    kind: str
    value: float
    text: str
    short: str = ""
    source: str = ""  #: the edition that printed it, named in the tooltip ("" for none)


def nice_step(span: float, ticks: int = 4) -> float:
    """A 1/2/2.5/5 × 10ⁿ step that cuts ``span`` into about ``ticks`` parts."""
    if span <= 0:
        return 1.0
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    for step in (1, 2, 2.5, 5, 10):
        if raw <= step * power:
            return step * power
    return 10 * power


def nice_ceiling(value: float) -> float:
    """The axis top: the first multiple of :func:`nice_step` at or above ``value``."""
    if value <= 0:
        return 1.0
    step = nice_step(value)
    return step * math.ceil(value / step - 1e-9)


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}".rstrip("0").rstrip(".")


def scale_for(top: float, lang: str) -> tuple[float, str]:
    """Divisor and suffix for axis numbers: 40,000,000 reads "40百万" (ja) or "40M" (en)."""
    if top >= 1_000_000:
        return 1_000_000, ("M" if lang == "en" else "百万")
    if top >= 100_000:
        return (1_000, "k") if lang == "en" else (10_000, "万")
    return 1, ""


def text_width(text: str, size: float = VALUE_FONT) -> float:
    """A rough rendered width: full-width characters are square, others about 0.6 em."""
    return sum(size if ord(c) > 0x2E80 else size * 0.6 for c in text)


def _axis(top: float, step: float, lang: str, unit: str, layout: Layout) -> list[str]:
    divisor, suffix = scale_for(top, lang)
    parts = []
    count = round(top / step)
    for i in range(count + 1):
        y = layout.top + layout.plot_h - layout.plot_h * i / count
        label = _fmt(step * i / divisor) + (suffix if i else "")
        parts.append(
            f'<line class="grid" x1="{layout.left}" x2="{layout.width - layout.right}" '
            f'y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="tick" x="{layout.left - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(label)}</text>"
        )
    if unit:
        caption = f"Unit: {unit}" if lang == "en" else f"単位：{unit}"
        parts.append(
            f'<text class="axis-unit" x="{layout.left}" y="{layout.top - 22}">'
            f"{escape(caption)}</text>"
        )
    return parts


def _bar(
    bar: Bar, name: str, x: float, width: float, lift: int, frame: tuple[Layout, float]
) -> str:
    """One bar with its tooltip and, where the layout wants one, its printed value above."""
    layout, top = frame
    h = layout.plot_h * max(bar.value, 0) / top
    y = layout.top + layout.plot_h - h
    label = bar.short or bar.text
    source = f" ({bar.source})" if bar.source else ""
    drawn = (
        f'<rect class="bar {escape(bar.kind)}" x="{x:.1f}" y="{y:.1f}" '
        f'width="{width - 2:.1f}" height="{h:.1f}"><title>{escape(bar.category)} '
        f"{escape(name)}: {escape(bar.text)}{escape(source)}</title></rect>"
    )
    if layout.all_labels or bar.kind == "actual":
        drawn += (
            f'<text class="value" x="{x + (width - 2) / 2:.1f}" y="{y - 4 - lift:.1f}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    return drawn


def _bars(
    bars: list[Bar], categories: list[str], top: float, legend: dict[str, str], layout: Layout
) -> list[str]:
    slot = layout.plot_w / len(categories)
    parts = []
    for index, category in enumerate(categories):
        group = [b for b in bars if b.category == category]
        x0 = layout.left + slot * index
        width = min(slot * 0.8 / max(len(group), 1), 64)
        start = x0 + (slot - width * len(group)) / 2
        for j, bar in enumerate(group):
            label = bar.short or bar.text
            # Labels wider than their bar take turns one line higher, so neighbours never overlap.
            lift = 14 if j % 2 and text_width(label) > width else 0
            name = legend.get(bar.kind, bar.kind)
            parts.append(_bar(bar, name, start + j * width, width, lift, (layout, top)))
        parts.append(
            f'<text class="category" x="{x0 + slot / 2:.1f}" '
            f'y="{layout.height - layout.bottom + 18}" text-anchor="middle">'
            f"{escape(category)}</text>"
        )
    return parts


def _legend(kinds: list[str], legend: dict[str, str], layout: Layout) -> list[str]:
    parts, x = [], float(layout.left)
    size = layout.legend_font
    font = "" if size == FULL.legend_font else f' font-size="{size}"'
    for kind in kinds:
        label = legend.get(kind, kind)
        parts.append(
            f'<rect class="bar {escape(kind)}" x="{x:.0f}" y="{layout.height - 18}" '
            f'width="12" height="12"/>'
            f'<text class="legend" x="{x + 16:.0f}" y="{layout.height - 8}"{font}>'
            f"{escape(label)}</text>"
        )
        x += layout.legend_gap + text_width(label, size)
    return parts


#: The chart's colours for an SVG shown on its own (``<img>`` reads no page stylesheet);
#: the same as lod.css.
STANDALONE_STYLE = (
    "<style>svg{font-family:sans-serif;font-size:12px}.grid{stroke:#dde3ea}"
    ".tick,.category,.legend,.axis-unit{fill:#5b6776}.value{fill:#1d2733;font-size:11px}"
    ".bar.baseline{fill:#9aa7b5}.bar.target{fill:#8fb8e6}.bar.target-earlier{fill:#fff;"
    "stroke:#b3261e;stroke-width:1.5;stroke-dasharray:3 2}.bar.actual{fill:#0b5cad}</style>"
)


def bar_chart(
    bars: list[Bar],
    categories: list[str],
    *,
    title: str,
    legend: dict[str, str],
    unit: str = "",
    lang: str = "ja",
    layout: Layout = FULL,
    standalone: bool = False,
    variant: str = "",
) -> Markup:
    """The SVG markup; one group of bars per category, in the given order.

    ``legend`` maps each kind to its name (only kinds that have bars are listed); ``unit``
    is named above the axis. ``standalone`` carries the colours inside the SVG (a file
    shown by ``<img>`` or opened on its own), with its size for viewers that need one.
    The SVG scales to its box (``viewBox``, width 100% in lod.css); ``variant`` is an extra
    class: a page that offers a ``wide`` and a ``narrow`` drawing shows one per screen.
    """
    if not bars or not categories:
        return Markup("")
    top = nice_ceiling(max(b.value for b in bars))
    step = nice_step(top)
    kinds = [k for k in legend if any(b.kind == k for b in bars)]
    size = f' width="{layout.width}" height="{layout.height}"' if standalone else ""
    classes = f"chart {escape(variant)}" if variant else "chart"
    parts = [
        f'<svg class="{classes}" viewBox="0 0 {layout.width} {layout.height}"{size} role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        STANDALONE_STYLE if standalone else "",
        *_axis(top, step, lang, unit, layout),
        *_bars(bars, categories, top, legend, layout),
        *_legend(kinds, legend, layout),
        "</svg>",
    ]
    return Markup("".join(parts))
