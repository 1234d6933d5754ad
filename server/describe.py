"""What a resource page shows, computed from the store: properties, incoming links, KPI values."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from server.chart import Bar
from server.labels import LABEL_PROPERTIES, Labeller
from server.store import Store
from server.vocab import DX, sparql_prefixes

FISCAL_YEAR = re.compile(r"fiscal-year/(\d{4})$")
INCOMING_LIMIT = 500


def describe_query(iri: str) -> str:
    """CBD-like CONSTRUCT: the resource's triples, one level of blank nodes, linked labels."""
    labels = " ".join(f"<{p}>" for p in LABEL_PROPERTIES[:2])
    return (
        f"CONSTRUCT {{ <{iri}> ?p ?o . ?o ?p2 ?o2 . ?o ?lp ?l }} WHERE {{\n"
        f"  {{ <{iri}> ?p ?o }}\n"
        f"  UNION {{ <{iri}> ?p ?o . FILTER(isBlank(?o)) ?o ?p2 ?o2 }}\n"
        f"  UNION {{ <{iri}> ?p ?o . FILTER(isIRI(?o)) VALUES ?lp {{ {labels} }} ?o ?lp ?l }}\n"
        f"}}"
    )


def exists(store: Store, iri: str) -> bool:
    """True when the store mentions ``iri`` as subject or object."""
    return store.ask(f"ASK {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?p <{iri}> }} }}")


@dataclass
class Value:
    """One object of a property, ready for the template."""

    node: Node
    label: str
    children: list[PropertyRow] = field(default_factory=list)

    @property
    def kind(self) -> str:
        if isinstance(self.node, URIRef):
            return "iri"
        return "bnode" if isinstance(self.node, BNode) else "literal"

    @property
    def language(self) -> str | None:
        return self.node.language if isinstance(self.node, Literal) else None


@dataclass
class PropertyRow:
    predicate: URIRef
    label: str
    values: list[Value]


def _rows(graph: Graph, subject: Node, labeller: Labeller, depth: int = 0) -> list[PropertyRow]:
    rows: dict[URIRef, list[Value]] = {}
    for pred, obj in graph.predicate_objects(subject):
        if not isinstance(pred, URIRef):
            continue
        value = Value(obj, labeller(obj) if isinstance(obj, URIRef) else str(obj))
        if isinstance(obj, BNode) and depth < 2:
            value.children = _rows(graph, obj, labeller, depth + 1)
        rows.setdefault(pred, []).append(value)
    result = [
        PropertyRow(p, labeller(p), sorted(v, key=lambda x: x.label)) for p, v in rows.items()
    ]
    # rdf:type first, then by the label a reader sees.
    return sorted(result, key=lambda r: (r.predicate != RDF.type, r.label))


def property_rows(graph: Graph, iri: str, labeller: Labeller) -> list[PropertyRow]:
    """The properties of ``iri`` in ``graph`` with labels for predicates and objects."""
    labeller.load({p for p in graph.predicates()} | {o for o in graph.objects()})
    return _rows(graph, URIRef(iri), labeller)


def incoming_rows(store: Store, iri: str, labeller: Labeller) -> list[PropertyRow]:
    """Resources that link to ``iri`` ("referenced by"), grouped by property."""
    rows = store.select(
        f"SELECT DISTINCT ?s ?p WHERE {{ ?s ?p <{iri}> FILTER(isIRI(?s)) }} "
        f"ORDER BY ?p ?s LIMIT {INCOMING_LIMIT}"
    )
    labeller.load([r["s"] for r in rows] + [r["p"] for r in rows])
    grouped: dict[URIRef, list[Value]] = {}
    for row in rows:
        subject, pred = row["s"], row["p"]
        if isinstance(pred, URIRef):
            grouped.setdefault(pred, []).append(Value(subject, labeller(subject)))
    return [
        PropertyRow(p, labeller(p), sorted(v, key=lambda x: x.label))
        for p, v in sorted(grouped.items(), key=lambda kv: labeller(kv[0]))
    ]


@dataclass
class KpiValueRow:
    kind: str  # baseline | target | actual
    period: Node | None
    period_label: str
    year: int
    value: float | None
    notation: str
    evaluation: Node | None
    evaluation_label: str


KINDS = {DX.Baseline: "baseline", DX.Target: "target", DX.Actual: "actual"}


def kpi_values(store: Store, iri: str, labeller: Labeller) -> list[KpiValueRow]:
    """Baseline, yearly targets and actuals of a KPI, baseline first, then by year."""
    rows = store.select(
        sparql_prefixes()
        + f"""
        SELECT ?kind ?period ?value ?notation ?evaluation WHERE {{
          ?v dx:refKpi <{iri}> ; dx:valueKind ?kind .
          OPTIONAL {{ ?v dx:refPeriod ?period }} OPTIONAL {{ ?v dx:value ?value }}
          OPTIONAL {{ ?v dx:notation ?notation }} OPTIONAL {{ ?v dx:evaluation ?evaluation }}
        }}"""
    )
    labeller.load([r[k] for r in rows for k in ("period", "evaluation") if k in r])
    result = []
    for row in rows:
        period, value, evaluation = row.get("period"), row.get("value"), row.get("evaluation")
        match = FISCAL_YEAR.search(str(period)) if period is not None else None
        number = float(value.toPython()) if isinstance(value, Literal) else None
        result.append(
            KpiValueRow(
                kind=KINDS.get(row["kind"], "other"),  # type: ignore[call-overload]
                period=period,
                period_label=labeller(period) if period is not None else "",
                year=int(match.group(1)) if match else 0,
                value=number,
                notation=str(row.get("notation", "" if number is None else number)),
                evaluation=evaluation,
                evaluation_label=labeller(evaluation) if evaluation is not None else "",
            )
        )
    order = {"baseline": 0, "target": 1, "actual": 2}
    return sorted(result, key=lambda r: (r.kind != "baseline", r.year, order.get(r.kind, 3)))


def chart_bars(values: list[KpiValueRow], baseline_label: str) -> tuple[list[Bar], list[str]]:
    """Bars for the numeric values; the baseline gets its own category on the left."""
    bars, categories = [], []
    for row in values:
        if row.value is None:
            continue
        category = baseline_label if row.kind == "baseline" else row.period_label
        if category not in categories:
            categories.append(category)
        bars.append(Bar(category, row.kind, row.value, row.notation))
    return bars, categories
