"""What the dashboard page shows: filters and sorting from the query, summaries, KPI cards.

Everything is chosen by plain query parameters (``?dept=somu-bu&eval=Achieved&sort=progress``)
so the page works without JavaScript and every view has its own link.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from markupsafe import Markup

from server.web.common.labels import Labeller
from server.web.common.naming import key_of, natural_key
from server.web.kpis import KpiSeries
from server.web.kpis.chart import series_chart
from server.web.kpis.progress import (
    EVALUATION_KEYS,
    Delta,
    change_rate,
    deltas,
    evaluation_counts,
    evaluation_key,
    progress,
)

SORTS = ("number", "evaluation", "progress")
#: Query parameter → the IRIs of a KPI it groups and filters on.
GROUPS: dict[str, Callable[[KpiSeries], list[str]]] = {
    "field": lambda k: [k.plan_field] if k.plan_field else [],
    "item": lambda k: [k.item] if k.item else [],
    "dept": lambda k: k.departments,
}
PARAMS = (*GROUPS, "eval")


def keys(kpi: KpiSeries, param: str) -> list[str]:
    """The values of ``param`` that select ``kpi``."""
    if param == "eval":
        return [evaluation_key(kpi)]
    return [key_of(param, iri) for iri in GROUPS[param](kpi)]


@dataclass(frozen=True)
class Filters:
    """The reader's choice: at most one value per filter, and the sort order."""

    chosen: tuple[tuple[str, str], ...] = ()
    sort: str = "number"

    @classmethod
    def read(cls, args: Mapping[str, str]) -> Filters:
        """From the query; unknown sorts fall back to the number, empty values are no filter."""
        chosen = tuple((key, args[key]) for key in PARAMS if args.get(key))
        sort = args.get("sort", "number")
        return cls(chosen, sort if sort in SORTS else "number")

    def get(self, key: str) -> str:
        return dict(self.chosen).get(key, "")

    def keep(self, kpi: KpiSeries) -> bool:
        return all(value in keys(kpi, key) for key, value in self.chosen)

    def link(self, **changes: str) -> str:
        """``?…`` for these filters with ``changes`` applied ("" removes a filter)."""
        values = dict(self.chosen) | {"sort": self.sort} | changes
        if values.get("sort") == "number":
            values.pop("sort")
        return "?" + urlencode({k: v for k, v in values.items() if v})

    def only(self, key: str, value: str) -> Filters:
        """These filters with just ``key`` = ``value`` (a summary's count links there)."""
        return replace(self, chosen=((key, value),))


def order(kpis: list[KpiSeries], sort: str) -> list[KpiSeries]:
    """``number``; ``evaluation`` (not achieved first); ``progress`` (least first)."""
    if sort == "evaluation":
        return sorted(kpis, key=lambda k: (EVALUATION_KEYS.index(evaluation_key(k)), k.number))
    if sort == "progress":

        def key(k: KpiSeries) -> tuple[bool, float, int]:
            done = progress(k)
            return done is None, done or 0.0, k.number

        return sorted(kpis, key=key)
    return sorted(kpis, key=lambda k: k.number)


@dataclass
class Tally:
    """One row of a summary: a plan field, item or department and its KPIs per evaluation."""

    param: str  #: the query parameter that filters on it
    key: str
    iri: str
    label: str
    counts: dict[str, int]
    depth: int = 0
    original: str = ""  #: the Japanese name beside an English label (English pages)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def text(self) -> str:
        """The label with the Japanese beside it, as plain text (a menu option)."""
        return f"{self.label} {self.original}" if self.original else self.label


def _group(kpis: list[KpiSeries], param: str) -> dict[str, tuple[str, list[KpiSeries]]]:
    """``{key: (IRI, KPIs)}``: the KPIs under each plan field, item or department."""
    groups: dict[str, tuple[str, list[KpiSeries]]] = {}
    for kpi in kpis:
        for iri in GROUPS[param](kpi):
            groups.setdefault(key_of(param, iri), (iri, []))[1].append(kpi)
    return groups


def plan_tallies(kpis: list[KpiSeries], labeller: Labeller) -> list[Tally]:
    """Each plan field, followed by its items."""
    rows: list[Tally] = []
    fields = _group(kpis, "field")
    for key in sorted(fields, key=natural_key):
        iri, members = fields[key]
        original = labeller.original(iri)
        rows.append(
            Tally("field", key, iri, labeller(iri), evaluation_counts(members), original=original)
        )
        items = _group(members, "item")
        for item in sorted(items, key=natural_key):
            item_iri, under = items[item]
            label = f"{item} {labeller(item_iri)}"  # the code, as the plan prints its items
            original = labeller.original(item_iri)
            rows.append(Tally("item", item, item_iri, label, evaluation_counts(under), 1, original))
    return rows


def department_tallies(kpis: list[KpiSeries], labeller: Labeller) -> list[Tally]:
    """Each department, the one with the most KPIs first."""
    rows = [
        Tally(
            "dept",
            key,
            iri,
            labeller(iri),
            evaluation_counts(members),
            original=labeller.original(iri),
        )
        for key, (iri, members) in _group(kpis, "dept").items()
    ]
    return sorted(rows, key=lambda r: (-r.total, r.label))


@dataclass
class Card:
    """One KPI on the dashboard."""

    kpi: KpiSeries
    label: str
    original: str
    unit: str
    chart: Markup
    progress: float | None
    change: float | None
    deltas: list[Delta] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The label with the Japanese beside it, as plain text (a chart's title, alt text)."""
        return f"{self.label} {self.original}" if self.original else self.label


def card(kpi: KpiSeries, labeller: Labeller) -> Card:
    lang = labeller.lang
    return Card(
        kpi=kpi,
        label=labeller(kpi.iri),
        original=labeller.original(kpi.iri),
        unit=kpi.unit(lang),
        chart=series_chart(kpi, labeller.text(kpi.iri), lang),
        progress=progress(kpi),
        change=change_rate(kpi),
        deltas=deltas(kpi),
    )
