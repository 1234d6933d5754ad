"""The four RDF formats, and byte-identical output for the same graph.

Determinism matters: the diff between two editions must be reviewable, so every serializer
here sees triples in sorted order and JSON is written with sorted nodes and keys.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from xml.sax.saxutils import escape

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import ORG, OWL, PROV, QB, RDF, RDFS, SKOS, TIME, XSD

from converter.namespaces import DX, PREFIXES, SCHEMA, SDMX_ATTR


@dataclass(frozen=True)
class Format:
    name: str
    rdflib_name: str
    media_type: str
    extension: str

    @classmethod
    def from_media_type(cls, media_type: str) -> Format | None:
        return next((f for f in FORMATS if f.media_type == media_type), None)

    @classmethod
    def from_extension(cls, extension: str) -> Format | None:
        return next((f for f in FORMATS if f.extension == extension.lstrip(".")), None)


FORMATS = (
    Format("Turtle", "turtle", "text/turtle", "ttl"),
    Format("JSON-LD", "json-ld", "application/ld+json", "jsonld"),
    Format("N-Triples", "nt", "application/n-triples", "nt"),
    Format("RDF/XML", "pretty-xml", "application/rdf+xml", "rdf"),
)

# term → (IRI, JSON-LD term definition extras). Readable names for JavaScript developers.
_LANG = {"@container": "@language"}
_ID = {"@type": "@id"}
TERMS: dict[str, tuple[URIRef, dict[str, str]]] = {
    "label": (RDFS.label, _LANG), "name": (SCHEMA.name, _LANG),
    "description": (SCHEMA.description, _LANG), "sameAs": (OWL.sameAs, _ID),
    "schemaSameAs": (SCHEMA.sameAs, _ID), "prefLabel": (SKOS.prefLabel, _LANG),
    "code": (SKOS.notation, {}), "inScheme": (SKOS.inScheme, _ID),
    "broader": (SKOS.broader, _ID), "narrower": (SKOS.narrower, _ID),
    "topConceptOf": (SKOS.topConceptOf, _ID), "hasTopConcept": (SKOS.hasTopConcept, _ID),
    "subOrganizationOf": (ORG.subOrganizationOf, _ID),
    "hasSubOrganization": (ORG.hasSubOrganization, _ID), "unitOf": (ORG.unitOf, _ID),
    "hasBeginning": (TIME.hasBeginning, _ID), "hasEnd": (TIME.hasEnd, _ID),
    "date": (TIME.inXSDDate, {"@type": "xsd:date"}), "dataSet": (QB.dataSet, _ID),
    "structure": (QB.structure, _ID), "unitMeasure": (SDMX_ATTR.unitMeasure, _ID),
    "wasDerivedFrom": (PROV.wasDerivedFrom, _ID),
    "wasAttributedTo": (PROV.wasAttributedTo, _ID),
    "planCode": (DX.planCode, {}), "projectNumber": (DX.projectNumber,
                                                     {"@type": "xsd:integer"}),
    "edition": (DX.edition, _ID), "department": (DX.department, _ID),
    "division": (DX.division, _ID), "listing": (DX.listing, _ID),
    "project": (DX.project, _ID), "planItem": (DX.planItem, _ID),
    "isRelisting": (DX.isRelisting, {"@type": "xsd:boolean"}),
    "rowNumber": (DX.rowNumber, {"@type": "xsd:integer"}),
    "relistingNotation": (DX.relistingNotation, _LANG), "goal": (DX.goal, _LANG),
    "goalKind": (DX.goalKind, _ID), "status": (DX.status, _LANG), "kpi": (DX.kpi, _ID),
    "isKpiRelisting": (DX.isKpiRelisting, {"@type": "xsd:boolean"}),
    "kpiNumber": (DX.kpiNumber, {"@type": "xsd:integer"}),
    "carriedBy": (DX.carriedBy, _ID), "unit": (DX.unit, _ID),
    "unitLabel": (DX.unitLabel, _LANG), "direction": (DX.direction, _ID),
    "refKpi": (DX.refKpi, _ID), "valueKind": (DX.valueKind, _ID),
    "refPeriod": (DX.refPeriod, _ID), "notation": (DX.notation, _LANG),
    "evaluation": (DX.evaluation, _ID), "evaluationNotation": (DX.evaluationNotation, _LANG),
    "valueStatus": (DX.valueStatus, _ID), "value": (DX.value, {"@type": "xsd:decimal"}),
    "qualifier": (DX.qualifier, _ID), "note": (DX.note, _LANG),
    "fiscalYear": (DX.fiscalYear, _ID), "sourceTable": (DX.sourceTable, {}),
    "standardAreaCode": (DX.standardAreaCode, _ID),
    "gregorianYear": (DX.gregorianYear, {"@type": "xsd:gYear"}),
}


def jsonld_context(base_iri: str) -> dict[str, object]:
    """The JSON-LD ``@context``: short readable keys, language maps for text."""
    context: dict[str, object] = {"@version": 1.1, "id": "@id", "type": "@type"}
    context.update({prefix: str(ns) for prefix, ns in PREFIXES.items()})
    for term, (iri, extra) in TERMS.items():
        context[term] = {"@id": _curie(iri), **extra} if extra else _curie(iri)
    return context


def _curie(iri: URIRef) -> str:
    for prefix, ns in PREFIXES.items():
        if str(iri).startswith(str(ns)) and "/" not in str(iri)[len(str(ns)):]:
            return f"{prefix}:{str(iri)[len(str(ns)):]}"
    return str(iri)


def canonical(graph: Graph) -> Graph:
    """A copy whose store was filled in sorted order, with the project's prefixes bound."""
    ordered = Graph()
    for prefix, ns in PREFIXES.items():
        ordered.bind(prefix, ns, override=True, replace=True)
    for triple in sorted(graph, key=_triple_key):
        ordered.add(triple)
    return ordered


def _triple_key(triple: tuple) -> tuple[str, ...]:
    return tuple(t.n3() for t in triple)


def serialize(graph: Graph, fmt: Format, *, base_iri: str) -> bytes:
    """Serialize deterministically in ``fmt``."""
    if fmt.name == "N-Triples":
        lines = sorted({_nt_line(t) for t in graph})
        return ("\n".join(lines) + "\n").encode("utf-8")
    ordered = canonical(graph)
    if fmt.name == "JSON-LD":
        text = ordered.serialize(format="json-ld", context=jsonld_context(base_iri),
                                 auto_compact=True)
        return _stable_json(json.loads(text)).encode("utf-8")
    if fmt.name == "RDF/XML":
        return _rdf_xml(graph)
    data = ordered.serialize(format=fmt.rdflib_name, encoding="utf-8")
    return data if data.endswith(b"\n") else data + b"\n"


def _rdf_xml(graph: Graph) -> bytes:
    """Flat, sorted RDF/XML: rdflib's XML writers order namespaces and nodes by hash."""
    namespaces: dict[str, str] = {str(RDF): "rdf"}
    known = {str(ns): prefix for prefix, ns in PREFIXES.items()}

    def qname(predicate: URIRef) -> str:
        text = str(predicate)
        cut = max(text.rfind("#"), text.rfind("/")) + 1
        namespace, local = text[:cut], text[cut:]
        if not local or not (local[0].isalpha() or local[0] == "_"):
            raise ValueError(f"{text} cannot be written as an RDF/XML element name")
        prefix = namespaces.setdefault(namespace, known.get(namespace, f"ns{len(namespaces)}"))
        return f"{prefix}:{local}"

    def node(term: object) -> str:
        if isinstance(term, BNode):
            return f'rdf:nodeID="{escape(str(term))}"'
        return f'rdf:about="{escape(str(term))}"'

    body = []
    by_subject: dict[object, list[tuple]] = {}
    for s, p, o in sorted(graph, key=_triple_key):
        by_subject.setdefault(s, []).append((p, o))
    for subject, pairs in by_subject.items():
        body.append(f"  <rdf:Description {node(subject)}>")
        for p, o in pairs:
            name = qname(p)
            if isinstance(o, Literal):
                attrs = (f' xml:lang="{o.language}"' if o.language else
                         f' rdf:datatype="{escape(str(o.datatype))}"'
                         if o.datatype and o.datatype != XSD.string else "")
                body.append(f"    <{name}{attrs}>{escape(str(o))}</{name}>")
            elif isinstance(o, BNode):
                body.append(f'    <{name} rdf:nodeID="{escape(str(o))}"/>')
            else:
                body.append(f'    <{name} rdf:resource="{escape(str(o))}"/>')
        body.append("  </rdf:Description>")
    header = ['<?xml version="1.0" encoding="utf-8"?>', "<rdf:RDF"]
    header += [f'  xmlns:{prefix}="{escape(ns)}"' for ns, prefix in
               sorted(namespaces.items(), key=lambda item: item[1])]
    header[-1] += ">"
    return ("\n".join([*header, *body, "</rdf:RDF>"]) + "\n").encode("utf-8")


def _nt_line(triple: tuple) -> str:
    s, p, o = triple
    if isinstance(o, Literal) and o.datatype == XSD.string:
        o = Literal(str(o))
    return f"{s.n3()} {p.n3()} {o.n3()} ."


def _stable_json(document: object) -> str:
    def order(node: object) -> object:
        if isinstance(node, dict):
            return {key: order(value) for key, value in node.items()}
        if isinstance(node, list):
            items = [order(item) for item in node]
            return sorted(items, key=lambda item: json.dumps(item, sort_keys=True,
                                                             ensure_ascii=False))
        return node

    return json.dumps(order(document), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def context_document(base_iri: str) -> bytes:
    """The stand-alone ``context.jsonld`` published beside the data."""
    return _stable_json({"@context": jsonld_context(base_iri)}).encode("utf-8")


__all__ = ["FORMATS", "Format", "RDF", "canonical", "context_document", "jsonld_context",
           "serialize"]
