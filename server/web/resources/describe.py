"""What a resource page shows, from its description: properties, incoming links, KPI chart."""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import XSD, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from converter.vocab import DX, expand
from server.web.common.chart import Bar
from server.web.common.labels import LABEL_PROPERTIES, Labeller
from server.web.common.naming import natural_text_key
from server.web.kpis.table import ValueRow

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
    graph: Graph, iri: str, labeller: Labeller, *, skip: frozenset[str] = frozenset()
) -> list[PropertyRow]:
    """Resources that link to ``iri`` ("referenced by"), grouped by property: the first
    :data:`INCOMING_LIMIT` by property and IRI, from the description ``graph``.

    Each group is named by the property read backwards ("担当する事業" for ``dx:department``);
    properties in ``skip`` are left out (the page shows them another way).
    """
    linking = graph.subject_predicates(URIRef(iri))
    links = sorted({(str(p), str(s)) for s, p in linking if isinstance(s, URIRef)})
    links = links[:INCOMING_LIMIT]
    rows = [{"s": URIRef(s), "p": URIRef(p)} for p, s in links if p not in skip]
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


def chart_bars(values: list[ValueRow], baseline_label: str) -> tuple[list[Bar], list[str]]:
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


def _short(row: ValueRow) -> str:
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
