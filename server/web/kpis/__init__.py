"""The KPI read model: every KPI as a series over the report editions, read from the store.

The dashboard, the changes, search and the KPI pages all read KPIs through it.

Each edition of the report prints a KPI's baseline, its R4–R7 targets and the year's actual
with its evaluation. Each value names its edition's report (``dx:edition``, see
docs/editions.md; older builds reach it through the data cube, ``qb:dataSet`` →
``dx:edition``), whose ``dx:fiscalYear`` dates it. Reading every edition's values, a KPI's
series has the targets of the latest edition that prints them, the earlier targets where an
edition revised them, and the actuals of every edition.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from rdflib import Literal
from rdflib.term import Node

from converter.vocab import DX
from server.stores.base import Store
from server.web.common.batch import Row, select_parts
from server.web.common.publication import year_of

KIND = {str(DX.Baseline): "baseline", str(DX.Target): "target", str(DX.Actual): "actual"}
ORDER = {"baseline": 0, "target": 1, "actual": 2}
#: The evaluations in the order a summary lists them; "" is an actual without one.
EVALUATIONS = (str(DX.Achieved), str(DX.PartiallyAchieved), str(DX.NotAchieved))


@dataclass(frozen=True)
class Point:
    """One printed value of a KPI in one edition."""

    iri: str
    kind: str  #: baseline | target | actual
    year: int  #: the fiscal year it is for (0: the baseline)
    edition: int  #: the fiscal year of the edition that printed it (0: unknown)
    value: float | None  #: None for a cell printed "-"
    notation: str  #: as printed
    evaluation: str = ""  #: IRI (actuals only)
    note: str = ""  #: printed beside the number ("人口に対する保有枚数率")
    period: str = ""  #: the fiscal year's IRI ("" for a baseline without one)
    qualifier: str = ""  #: how the number relates to what is printed ("" when exact)

    @property
    def short(self) -> str:
        """The printed text without its note ("人口に対する保有枚数率：74％" → "74％")."""
        if self.note and self.note in self.notation:
            return self.notation.replace(self.note, "").lstrip(":：; 　") or self.notation
        return self.notation


@dataclass
class KpiSeries:
    """A KPI with what the dashboard groups it by and its values from every edition."""

    iri: str
    number: int
    direction: str = ""  #: dx:HigherIsBetter | dx:LowerIsBetter (IRI)
    units: dict[str, str] = field(default_factory=dict)  #: language → unit label
    measure: str = ""  #: the plan item (施策) it belongs to
    item: str = ""  #: its 項目
    plan_field: str = ""  #: its 分野
    departments: list[str] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)

    @property
    def editions(self) -> list[int]:
        return sorted({p.edition for p in self.points})

    def latest(self, kind: str, year: int) -> Point | None:
        """The value of ``kind`` for ``year`` printed by the latest edition that has one."""
        found = [p for p in self.points if p.kind == kind and p.year == year]
        return max(found, key=lambda p: p.edition) if found else None

    def years(self, kind: str) -> list[int]:
        return sorted({p.year for p in self.points if p.kind == kind})

    @property
    def baseline(self) -> Point | None:
        return self.latest("baseline", 0)

    @property
    def actuals(self) -> list[Point]:
        """The latest printing of each year's actual, by year."""
        return [p for y in self.years("actual") if (p := self.latest("actual", y))]

    @property
    def last_actual(self) -> Point | None:
        numeric = [p for p in self.actuals if p.value is not None or p.evaluation]
        return numeric[-1] if numeric else None

    @property
    def evaluation(self) -> str:
        """The evaluation of the latest actual ("" when it has none)."""
        last = self.last_actual
        return last.evaluation if last else ""

    def revised(self, point: Point) -> Point | None:
        """The same value as printed by the edition before ``point``'s, if it differs."""
        earlier = [
            p
            for p in self.points
            if p.kind == point.kind and p.year == point.year and p.edition < point.edition
        ]
        before = max(earlier, key=lambda p: p.edition) if earlier else None
        return before if before and before.notation != point.notation else None

    def unit(self, lang: str) -> str:
        return self.units.get(lang) or self.units.get("ja") or next(iter(self.units.values()), "")

    @property
    def lower_is_better(self) -> bool:
        return self.direction == str(DX.LowerIsBetter)


def _int(node: Node | None) -> int:
    return int(node.toPython()) if isinstance(node, Literal) and str(node).isdigit() else 0


def series_parts(kpi: str | None = None) -> dict[str, str]:
    """The SELECTs that read every KPI (or only ``kpi``), for
    :func:`~server.web.common.batch.select_parts`: a page asks them with its own queries.

    A KPI is printed under several plan items (its 再掲 rows too); its own is the plan item
    of the row that defines it (``dx:isKpiRelisting false``), else any of its
    ``dx:planItem`` values, the first by IRI.
    """
    only = f"VALUES ?kpi {{ <{kpi}> }}" if kpi else ""
    return {
        "kpis": f"""
        SELECT ?kpi ?num ?direction ?unit ?rank ?measure ?item ?field WHERE {{ {only}
          ?kpi a dx:Kpi OPTIONAL {{ ?kpi dx:kpiNumber ?num }}
          OPTIONAL {{ ?kpi dx:direction ?direction }} OPTIONAL {{ ?kpi dx:unitLabel ?unit }}
          OPTIONAL {{
            {{ ?row a dx:Listing ; dx:kpi ?kpi ; dx:isKpiRelisting false ; dx:planItem ?measure
              BIND(0 AS ?rank) }}
            UNION {{ ?kpi dx:planItem ?measure BIND(1 AS ?rank) }}
            OPTIONAL {{ ?measure skos:broader* ?item . ?item a dx:Item }}
            OPTIONAL {{ ?measure skos:broader* ?field . ?field a dx:Field }} }} }}""",
        "kpi_departments": f"""
        SELECT DISTINCT ?kpi ?dept WHERE {{ {only}
          ?kpi a dx:Kpi ; dx:carriedBy ?p . ?p dx:department ?dept }}""",
        "kpi_points": f"""
        SELECT DISTINCT ?v ?kpi ?kind ?period ?value ?notation ?evaluation ?qualifier ?note
                        ?report ?fy
        WHERE {{ {only}
          ?v dx:refKpi ?kpi ; dx:valueKind ?kind .
          OPTIONAL {{ ?v dx:refPeriod ?period }} OPTIONAL {{ ?v dx:value ?value }}
          OPTIONAL {{ ?v dx:notation ?notation }} OPTIONAL {{ ?v dx:evaluation ?evaluation }}
          OPTIONAL {{ ?v dx:qualifier ?qualifier FILTER(?qualifier != dx:Exact) }}
          OPTIONAL {{ ?v dx:note ?note }}
          OPTIONAL {{ {{ ?v dx:edition ?report }} UNION {{ ?v qb:dataSet/dx:edition ?report }}
                     OPTIONAL {{ ?report dx:fiscalYear ?fy }} }} }}""",
    }


def _text(node: Node | None) -> str:
    return "" if node is None else str(node)


def _own_plan_item_first(row: Row) -> tuple[str, int, str]:
    """A KPI's rows with the one of its own plan item first: by rank (unbound first, as
    SPARQL's ORDER BY puts it), then by the measure's IRI."""
    rank = _int(row.get("rank")) if row.get("rank") is not None else -1
    return str(row["kpi"]), rank, _text(row.get("measure"))


def series_from(parts: Mapping[str, list[Row]]) -> list[KpiSeries]:
    """The KPIs :func:`series_parts` read, by number."""
    kpis: dict[str, KpiSeries] = {}
    # The row of a KPI's own plan item first: by rank (unbound first, as SPARQL orders).
    rank = lambda r: _int(r.get("rank")) if r.get("rank") is not None else -1  # noqa: E731
    for row in sorted(
        parts["kpis"], key=lambda r: (str(r["kpi"]), rank(r), _text(r.get("measure")))
    ):
        kpi = kpis.setdefault(str(row["kpi"]), KpiSeries(str(row["kpi"]), _int(row.get("num"))))
        kpi.direction = kpi.direction or str(row.get("direction", ""))
        unit = row.get("unit")
        if isinstance(unit, Literal):
            kpi.units.setdefault(unit.language or "", str(unit))
        if row.get("measure") is not None and not kpi.measure:
            kpi.measure = str(row["measure"])
            kpi.item, kpi.plan_field = str(row.get("item", "")), str(row.get("field", ""))
    for row in sorted(parts["kpi_departments"], key=lambda r: (str(r["kpi"]), str(r["dept"]))):
        found = kpis.get(str(row["kpi"]))
        if found is not None and str(row["dept"]) not in found.departments:
            found.departments.append(str(row["dept"]))
    for row in parts["kpi_points"]:
        found, kind = kpis.get(str(row["kpi"])), KIND.get(str(row["kind"]))
        if found is not None and kind is not None:
            found.points.append(_point(row, kind))
    for found in kpis.values():
        found.points.sort(key=lambda p: (p.kind != "baseline", p.year, ORDER[p.kind], p.edition))
    return sorted(kpis.values(), key=lambda k: (k.number, k.iri))


def _point(row: dict[str, Node], kind: str) -> Point:
    value = row.get("value")
    number = float(value.toPython()) if isinstance(value, Literal) else None
    edition = year_of(row.get("fy")) or year_of(row.get("report"))
    return Point(
        iri=str(row["v"]),
        kind=kind,
        year=0 if kind == "baseline" else year_of(row.get("period")),
        edition=edition,
        value=number,
        notation=str(row.get("notation", "" if number is None else value)),
        evaluation=str(row.get("evaluation", "")),
        note=str(row.get("note", "")),
        period=_text(row.get("period")),
        qualifier=_text(row.get("qualifier")),
    )


def kpi_series(store: Store, kpi: str | None = None) -> list[KpiSeries]:
    """Every KPI of the publication (or only ``kpi``) with its values from every edition."""
    return series_from(select_parts(store, series_parts(kpi)))
