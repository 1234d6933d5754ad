"""A KPI series as chart bars: baseline → each year's target (and the one it revised) → actual.

The chart itself is :func:`server.web.common.chart.bar_chart`, the same drawing as the KPI page's.
"""

from __future__ import annotations

from markupsafe import Markup

from converter.era import edition_label, short_year
from server.web.common.chart import SMALL, Bar, Layout, bar_chart
from server.web.common.i18n import t
from server.web.kpis import KpiSeries, Point

#: Bar kinds in the order they stand in a year's group and in the legend.
KINDS = ("baseline", "target-earlier", "target", "actual")


def legend(lang: str) -> dict[str, str]:
    return {kind: t(kind.replace("-", "_"), lang) for kind in KINDS}


def _bar(category: str, kind: str, point: Point, lang: str) -> Bar | None:
    if point.value is None:
        return None
    source = edition_label(point.edition, lang) if point.edition else ""
    return Bar(category, kind, point.value, point.notation, short=point.short, source=source)


def series_bars(kpi: KpiSeries, lang: str) -> tuple[list[Bar], list[str]]:
    """The bars of every numeric value, one category for the baseline and one per year."""
    bars: list[Bar | None] = []
    baseline = kpi.baseline
    if baseline is not None:
        bars.append(_bar(t("baseline", lang), "baseline", baseline, lang))
    for year in sorted(set(kpi.years("target")) | set(kpi.years("actual"))):
        category = short_year(year, lang)
        target = kpi.latest("target", year)
        earlier = kpi.revised(target) if target is not None else None
        actual = kpi.latest("actual", year)
        for kind, point in (("target-earlier", earlier), ("target", target), ("actual", actual)):
            if point is not None:
                bars.append(_bar(category, kind, point, lang))
    drawn = [b for b in bars if b is not None]
    categories = list(dict.fromkeys(b.category for b in drawn))
    return drawn, categories


def series_chart(
    kpi: KpiSeries,
    title: str,
    lang: str,
    *,
    layout: Layout = SMALL,
    standalone: bool = False,
) -> Markup:
    """The KPI's chart ("" when it has no number to draw)."""
    bars, categories = series_bars(kpi, lang)
    return bar_chart(
        bars,
        categories,
        title=title,
        legend=legend(lang),
        unit=kpi.unit(lang),
        lang=lang,
        layout=layout,
        standalone=standalone,
    )
