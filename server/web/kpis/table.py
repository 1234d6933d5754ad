"""A KPI's values as its page's table shows them: one row per kind and period, the latest
edition's printing, with what earlier editions printed when it differs (a revised target
keeps both values, docs/editions.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from server.web.kpis import KpiSeries


@dataclass(frozen=True)
class ValueRow:
    """One printed value of a KPI, ready for a table (and the page's schema.org markup)."""

    kind: str  #: baseline | target | actual
    period: str  #: the fiscal year's IRI ("" for none)
    period_label: str
    year: int
    value: float | None
    notation: str
    evaluation: str  #: IRI ("" for none)
    evaluation_label: str
    qualifier_label: str = ""
    note: str = ""
    edition: int = 0  #: the fiscal year of the edition that printed it
    #: values an earlier edition printed for the same kind and period, when they differ,
    #: with their edition's fiscal year: ``((2023, "70000"),)``
    earlier: tuple[tuple[int, str], ...] = ()


def value_rows(kpi: KpiSeries, label: Callable[[str], str]) -> list[ValueRow]:
    """Baseline first, then by year: target before actual. ``label`` names an IRI."""
    groups: dict[tuple[str, str], list] = {}
    for point in kpi.points:
        groups.setdefault((point.kind, point.period), []).append(point)
    rows = []
    for printed in groups.values():
        printed.sort(key=lambda p: p.edition)
        last = printed[-1]
        earlier = tuple(
            (p.edition, p.notation) for p in printed[:-1] if p.notation != last.notation
        )
        rows.append(
            ValueRow(
                kind=last.kind,
                period=last.period,
                period_label=label(last.period) if last.period else "",
                year=last.year,
                value=last.value,
                notation=last.notation,
                evaluation=last.evaluation,
                evaluation_label=label(last.evaluation) if last.evaluation else "",
                qualifier_label=label(last.qualifier) if last.qualifier else "",
                note=last.note,
                edition=last.edition,
                earlier=earlier,
            )
        )
    order = {"baseline": 0, "target": 1, "actual": 2}
    return sorted(rows, key=lambda r: (r.kind != "baseline", r.year, order.get(r.kind, 3)))


def labelled(kpi: KpiSeries) -> list[str]:
    """The IRIs a table of ``kpi`` names: periods, evaluations, qualifiers."""
    return sorted({iri for p in kpi.points for iri in (p.period, p.evaluation, p.qualifier) if iri})
