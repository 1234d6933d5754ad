"""What a resource page shows, computed from the store: properties, incoming links, KPI values."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from rdflib import XSD, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from converter.vocab import DX, expand, sparql_prefixes
from server.stores.base import Store
from server.web.chart import Bar
from server.web.labels import LABEL_PROPERTIES, Labeller

FISCAL_YEAR = re.compile(r"fiscal-year/(\d{4})$")
INCOMING_LIMIT = 500

#: Properties a reader looks for first, in this order; the rest follow by label, and the
#: technical label properties come last.
FIRST = [
    expand(c)
    for c in (
        "rdf:type schema:name dx:projectNumber dx:kpiNumber skos:notation dx:planCode "
        "dx:planItem skos:broader dx:department dx:division dx:project dx:carriedBy dx:kpi "
        "dx:direction dx:unit dx:unitLabel dx:refKpi dx:valueKind dx:refPeriod dx:notation "
        "dx:value dx:qualifier dx:note dx:evaluation schema:description dx:goalKind dx:goal "
        "dx:status dx:isRelisting dx:relistingNotation dx:isKpiRelisting dx:listing dx:edition"
    ).split()
]
LAST = [*LABEL_PROPERTIES[:2], expand("dx:rowNumber")]


def describe_query(iri: str) -> str:
    """Symmetric CBD-like CONSTRUCT: what the resource says and what says it.

    The resource's own triples (with one level of blank nodes), every triple that links *to*
    it, and the labels of the IRIs at the other end of either. The incoming links are what
    lets a crawler that follows only the RDF reach a KPI's values (``dx:refKpi`` points from
    the value to the KPI), a measure's projects and listings, or an organisation's projects;
    the data need no inverse property for each. No LIMIT: the description is complete and
    the same on every request (the writers sort it); its size grows with the links a
    resource really has (a report edition, the most linked, has a few hundred triples).
    """
    labels = " ".join(f"<{p}>" for p in LABEL_PROPERTIES[:2])
    return (
        f"CONSTRUCT {{ <{iri}> ?p ?o . ?o ?p2 ?o2 . ?o ?lp ?l . ?s ?q <{iri}> . ?s ?slp ?sl }}"
        f" WHERE {{\n"
        f"  {{ <{iri}> ?p ?o }}\n"
        f"  UNION {{ <{iri}> ?p ?o . FILTER(isBlank(?o)) ?o ?p2 ?o2 }}\n"
        f"  UNION {{ <{iri}> ?p ?o . FILTER(isIRI(?o)) VALUES ?lp {{ {labels} }} ?o ?lp ?l }}\n"
        f"  UNION {{ ?s ?q <{iri}> }}\n"
        f"  UNION {{ ?s ?q <{iri}> . FILTER(isIRI(?s)) VALUES ?slp {{ {labels} }} ?s ?slp ?sl }}\n"
        f"}}"
    )


def exists(store: Store, iri: str) -> bool:
    """True when the store mentions ``iri`` as subject or object."""
    return store.ask(f"ASK {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?p <{iri}> }} }}")


def natural_text_key(text: str) -> tuple[tuple[int, int, str], ...]:
    """Sort "事業8" before "事業10": numbers compare as numbers."""
    parts = re.split(r"(\d+)", text)
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts if p)


@dataclass
class Value:
    """One object of a property, ready for the template."""

    node: Node
    label: str
    children: list[PropertyRow] = field(default_factory=list)
    original: str = ""  # the Japanese label beside an English one (English pages)

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


def _text(obj: Node, labeller: Labeller) -> str:
    if isinstance(obj, URIRef):
        return labeller(obj)
    if isinstance(obj, Literal) and obj.datatype == XSD.boolean:
        yes = obj.toPython() is True
        return ("yes" if yes else "no") if labeller.lang == "en" else ("はい" if yes else "いいえ")
    return str(obj)


def _value(obj: Node, labeller: Labeller) -> Value:
    original = labeller.original(obj) if isinstance(obj, URIRef) else ""
    return Value(obj, _text(obj, labeller), original=original)


def _order(row: PropertyRow) -> tuple[int, int, tuple[object, ...]]:
    pred = str(row.predicate)
    if pred in FIRST:
        return 0, FIRST.index(pred), ()
    return (2, LAST.index(pred), ()) if pred in LAST else (1, 0, natural_text_key(row.label))


def _rows(graph: Graph, subject: Node, labeller: Labeller, depth: int = 0) -> list[PropertyRow]:
    rows: dict[URIRef, list[Value]] = {}
    for pred, obj in graph.predicate_objects(subject):
        if not isinstance(pred, URIRef):
            continue
        value = _value(obj, labeller)
        if isinstance(obj, BNode) and depth < 2:
            value.children = _rows(graph, obj, labeller, depth + 1)
        rows.setdefault(pred, []).append(value)
    result = [
        PropertyRow(p, _heading(labeller(p)), sorted(v, key=lambda x: natural_text_key(x.label)))
        for p, v in rows.items()
    ]
    return sorted(result, key=_order)


def _heading(label: str) -> str:
    """ "Unit label" for the ontology's lower-case "unit label" (Japanese is unchanged)."""
    return label[:1].upper() + label[1:]


def property_rows(graph: Graph, iri: str, labeller: Labeller) -> list[PropertyRow]:
    """The properties of ``iri`` in ``graph`` with labels for predicates and objects."""
    labeller.load({p for p in graph.predicates()} | {o for o in graph.objects()})
    return _rows(graph, URIRef(iri), labeller)


def incoming_rows(
    store: Store, iri: str, labeller: Labeller, *, skip: frozenset[str] = frozenset()
) -> list[PropertyRow]:
    """Resources that link to ``iri`` ("referenced by"), grouped by property.

    Each group is named by the property read backwards ("担当する事業" for ``dx:department``);
    properties in ``skip`` are left out (the page shows them another way).
    """
    rows = store.select(
        f"SELECT DISTINCT ?s ?p WHERE {{ ?s ?p <{iri}> FILTER(isIRI(?s)) }} "
        f"ORDER BY ?p ?s LIMIT {INCOMING_LIMIT}"
    )
    rows = [r for r in rows if str(r["p"]) not in skip]
    labeller.load([r["s"] for r in rows] + [r["p"] for r in rows])
    grouped: dict[URIRef, list[Value]] = {}
    for row in rows:
        subject, pred = row["s"], row["p"]
        if isinstance(pred, URIRef):
            grouped.setdefault(pred, []).append(_value(subject, labeller))
    result = [
        PropertyRow(
            p, _heading(labeller.inverse(p)), sorted(v, key=lambda x: natural_text_key(x.label))
        )
        for p, v in grouped.items()
    ]
    return sorted(result, key=lambda r: natural_text_key(r.label))


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
    qualifier_label: str = ""
    note: str = ""
    edition: str = ""  #: the report this value comes from (IRI)
    #: values an earlier edition printed for the same kind and period, when they differ,
    #: with their edition's fiscal year: ``[(2023, "70000")]``
    earlier: tuple[tuple[int, str], ...] = ()


KINDS = {DX.Baseline: "baseline", DX.Target: "target", DX.Actual: "actual"}


def kpi_values(store: Store, iri: str, labeller: Labeller) -> list[KpiValueRow]:
    """Baseline, yearly targets and actuals of a KPI, baseline first, then by year."""
    rows = store.select(
        sparql_prefixes()
        + f"""
        SELECT ?kind ?period ?value ?notation ?evaluation ?qualifier ?note ?edition WHERE {{
          ?v dx:refKpi <{iri}> ; dx:valueKind ?kind . OPTIONAL {{ ?v dx:edition ?edition }}
          OPTIONAL {{ ?v dx:refPeriod ?period }} OPTIONAL {{ ?v dx:value ?value }}
          OPTIONAL {{ ?v dx:notation ?notation }} OPTIONAL {{ ?v dx:evaluation ?evaluation }}
          OPTIONAL {{ ?v dx:qualifier ?qualifier FILTER(?qualifier != dx:Exact) }}
          OPTIONAL {{ ?v dx:note ?note }}
        }}"""
    )
    labeller.load([r[k] for r in rows for k in ("period", "evaluation", "qualifier") if k in r])
    result = []
    for row in rows:
        period, value, evaluation = row.get("period"), row.get("value"), row.get("evaluation")
        match = FISCAL_YEAR.search(str(period)) if period is not None else None
        number = float(value.toPython()) if isinstance(value, Literal) else None
        qualifier = row.get("qualifier")
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
                qualifier_label=labeller(qualifier) if qualifier is not None else "",
                note=str(row.get("note", "")),
                edition=str(row.get("edition", "")),
            )
        )
    order = {"baseline": 0, "target": 1, "actual": 2}
    latest = _latest_editions(result)
    return sorted(latest, key=lambda r: (r.kind != "baseline", r.year, order.get(r.kind, 3)))


def _latest_editions(rows: list[KpiValueRow]) -> list[KpiValueRow]:
    """One row per kind and period: the latest edition's, with what earlier editions printed
    when it differs (a revised target keeps both values, docs/editions.md)."""
    groups: dict[tuple[str, str], list[KpiValueRow]] = {}
    for row in rows:
        groups.setdefault((row.kind, str(row.period)), []).append(row)
    kept = []
    for group in groups.values():
        group.sort(key=lambda r: r.edition)  # …/report/fy2023 < …/report/fy2024
        last = group[-1]
        earlier = tuple(
            (_fiscal_year(r.edition), r.notation) for r in group[:-1] if r.notation != last.notation
        )
        kept.append(replace(last, earlier=earlier))
    return kept


_EDITION_YEAR = re.compile(r"/fy(\d{4})$")


def _fiscal_year(edition: str) -> int:
    match = _EDITION_YEAR.search(edition)
    return int(match.group(1)) if match else 0


def chart_bars(values: list[KpiValueRow], baseline_label: str) -> tuple[list[Bar], list[str]]:
    """Bars for the numeric values; the baseline gets its own category on the left."""
    bars, categories = [], []
    for row in values:
        if row.value is None:
            continue
        category = baseline_label if row.kind == "baseline" else row.period_label
        if category not in categories:
            categories.append(category)
        bars.append(Bar(category, row.kind, row.value, row.notation, short=_short(row)))
    return bars, categories


def _short(row: KpiValueRow) -> str:
    """The printed text, without a long note ("人口に対する保有枚数率：74％" → "74％")."""
    text = row.notation
    if row.note and row.note in text:
        text = text.replace(row.note, "").lstrip(":：; 　")
    return text


#: The few properties shown first, as a summary, for each kind of resource.
SUMMARY = {
    DX.Kpi: "dx:kpiNumber dx:unitLabel dx:direction dx:carriedBy dx:planItem",
    DX.Project: "dx:projectNumber dx:planItem dx:department dx:division dx:kpi",
    DX.Listing: "dx:project dx:planItem dx:isRelisting dx:relistingNotation dx:kpi",
    DX.Department: "org:subOrganizationOf org:hasSubOrganization",
    DX.Division: "org:subOrganizationOf",
}


def summary_rows(
    rows: list[PropertyRow],
    types: set[Node],
    lang: str,
    relabel: dict[str, str] | None = None,
) -> list[PropertyRow]:
    """The key facts of a KPI, project, row or organisation, picked from its property rows.

    Text in several languages keeps only the page's language (``枚`` rather than ``sheets``);
    ``relabel`` gives some properties a plainer heading.
    """
    wanted = next((SUMMARY[t] for t in SUMMARY if t in types), "")
    by_pred = {str(r.predicate): r for r in rows}
    result = []
    for name in wanted.split():
        row = by_pred.get(expand(name))
        if row is None:
            continue
        values = [v for v in row.values if v.language in (None, lang)] or row.values
        label = (relabel or {}).get(str(row.predicate), row.label)
        result.append(PropertyRow(row.predicate, label, values))
    return result
