"""JSON-LD in compacted form with a readable ``@context`` (short keys, language maps),
written directly from sorted triples so the bytes are the same on every run."""

from __future__ import annotations

import json
from collections import defaultdict
from functools import lru_cache

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, OWL, PROV, QB, RDF, RDFS, SKOS, TIME, XSD
from rdflib.term import Node

from converter.vocab import DX, PREFIXES, SCHEMA, SDMX_ATTR
from converter.writers import Sorted, lexical

# term → (IRI, JSON-LD term definition extras). Readable names for JavaScript developers.
_LANG = {"@container": "@language"}
_ID = {"@type": "@id"}
TERMS: dict[str, tuple[URIRef, dict[str, str]]] = {
    "label": (RDFS.label, _LANG),
    "name": (SCHEMA.name, _LANG),
    "description": (SCHEMA.description, _LANG),
    "sameAs": (OWL.sameAs, _ID),
    "schemaSameAs": (SCHEMA.sameAs, _ID),
    "prefLabel": (SKOS.prefLabel, _LANG),
    "code": (SKOS.notation, {}),
    "inScheme": (SKOS.inScheme, _ID),
    "broader": (SKOS.broader, _ID),
    "narrower": (SKOS.narrower, _ID),
    "topConceptOf": (SKOS.topConceptOf, _ID),
    "hasTopConcept": (SKOS.hasTopConcept, _ID),
    "subOrganizationOf": (ORG.subOrganizationOf, _ID),
    "hasSubOrganization": (ORG.hasSubOrganization, _ID),
    "unitOf": (ORG.unitOf, _ID),
    "hasBeginning": (TIME.hasBeginning, _ID),
    "hasEnd": (TIME.hasEnd, _ID),
    "date": (TIME.inXSDDate, {"@type": "xsd:date"}),
    "dataSet": (QB.dataSet, _ID),
    "structure": (QB.structure, _ID),
    "unitMeasure": (SDMX_ATTR.unitMeasure, _ID),
    "wasDerivedFrom": (PROV.wasDerivedFrom, _ID),
    "wasAttributedTo": (PROV.wasAttributedTo, _ID),
    "planCode": (DX.planCode, {}),
    "projectNumber": (DX.projectNumber, {"@type": "xsd:integer"}),
    "edition": (DX.edition, _ID),
    "department": (DX.department, _ID),
    "division": (DX.division, _ID),
    "listing": (DX.listing, _ID),
    "project": (DX.project, _ID),
    "planItem": (DX.planItem, _ID),
    "isRelisting": (DX.isRelisting, {"@type": "xsd:boolean"}),
    "rowNumber": (DX.rowNumber, {"@type": "xsd:integer"}),
    "relistingNotation": (DX.relistingNotation, _LANG),
    "goal": (DX.goal, _LANG),
    "goalKind": (DX.goalKind, _ID),
    "status": (DX.status, _LANG),
    "kpi": (DX.kpi, _ID),
    "isKpiRelisting": (DX.isKpiRelisting, {"@type": "xsd:boolean"}),
    "kpiNumber": (DX.kpiNumber, {"@type": "xsd:integer"}),
    "carriedBy": (DX.carriedBy, _ID),
    "kpiUnit": (DX.unit, _ID),
    "unitLabel": (DX.unitLabel, _LANG),
    "direction": (DX.direction, _ID),
    "refKpi": (DX.refKpi, _ID),
    "valueKind": (DX.valueKind, _ID),
    "refPeriod": (DX.refPeriod, _ID),
    "notation": (DX.notation, _LANG),
    "evaluation": (DX.evaluation, _ID),
    "evaluationNotation": (DX.evaluationNotation, _LANG),
    "valueStatus": (DX.valueStatus, _ID),
    "value": (DX.value, {"@type": "xsd:decimal"}),
    "qualifier": (DX.qualifier, _ID),
    "note": (DX.note, _LANG),
    "fiscalYear": (DX.fiscalYear, _ID),
    "sourceTable": (DX.sourceTable, {}),
    "standardAreaCode": (DX.standardAreaCode, _ID),
    "spatial": (DCTERMS.spatial, _ID),
    "gregorianYear": (DX.gregorianYear, {"@type": "xsd:gYear"}),
}


_BY_IRI: dict[Node, tuple[str, dict[str, str]]] = {
    iri: (term, extra) for term, (iri, extra) in TERMS.items()
}
_NAMESPACES = sorted(
    ((str(ns), prefix) for prefix, ns in PREFIXES.items()),
    key=lambda item: len(item[0]),
    reverse=True,
)


@lru_cache(maxsize=65536)
def compact_iri(iri: str) -> str:
    for namespace, prefix in _NAMESPACES:
        local = iri[len(namespace) :]
        if iri.startswith(namespace) and local and "/" not in local and "#" not in local:
            return f"{prefix}:{local}"
    return iri


def _node_id(node: Node) -> str:
    return f"_:{node}" if isinstance(node, BNode) else compact_iri(str(node))


def _value_object(value: Node) -> object:
    if not isinstance(value, Literal):
        return {"@id": _node_id(value)}
    if value.language:
        return {"@value": str(value), "@language": value.language}
    if value.datatype and value.datatype != XSD.string:
        return {"@value": lexical(value), "@type": compact_iri(str(value.datatype))}
    return str(value)


def _fits(value: Node, extra: dict[str, str]) -> bool:
    """Can ``value`` be written in the short form that the term definition implies?"""
    if extra.get("@container") == "@language":
        return isinstance(value, Literal) and bool(value.language)
    if extra.get("@type") == "@id":
        return not isinstance(value, Literal)
    if "@type" in extra:
        return (
            isinstance(value, Literal)
            and not value.language
            and compact_iri(str(value.datatype)) == extra["@type"]
        )
    return False


def _node(subject: Node, pairs: list[tuple[Node, Node]]) -> dict[str, object]:
    node: dict[str, object] = {"id": _node_id(subject)}
    grouped: dict[str, list[object]] = defaultdict(list)
    languages: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for predicate, value in pairs:
        if predicate == RDF.type:
            grouped["type"].append(_node_id(value))
            continue
        term, extra = _BY_IRI.get(predicate, ("", {}))
        if not term or not _fits(value, extra):
            grouped[str(predicate)].append(_value_object(value))
        elif extra.get("@container") == "@language":
            assert isinstance(value, Literal) and value.language
            languages[term][value.language].append(str(value))
        elif extra.get("@type") == "@id":
            grouped[term].append(_node_id(value))
        else:
            assert isinstance(value, Literal)
            grouped[term].append(lexical(value))
    for key, values in grouped.items():
        node[key] = values[0] if len(values) == 1 else values
    for term, by_language in languages.items():
        node[term] = {
            lang: texts[0] if len(texts) == 1 else texts
            for lang, texts in sorted(by_language.items())
        }
    return node


def jsonld_context(base_iri: str) -> dict[str, object]:
    """The JSON-LD ``@context``: short readable keys, language maps for text."""
    context: dict[str, object] = {"@version": 1.1, "id": "@id", "type": "@type"}
    context.update({prefix: str(ns) for prefix, ns in PREFIXES.items()})
    clash = set(TERMS) & set(context)
    assert not clash, f"JSON-LD terms shadow prefixes: {clash}"
    for term, (iri, extra) in TERMS.items():
        context[term] = {"@id": compact_iri(str(iri)), **extra} if extra else compact_iri(str(iri))
    return context


def jsonld(graph: Graph | Sorted, base_iri: str) -> bytes:
    """The document, one node per line: a diff between editions shows the nodes that changed,
    and each line goes through json's C encoder (``indent=`` would take the pure-Python one)."""
    context = json.dumps(jsonld_context(base_iri), ensure_ascii=False, indent=1)
    nodes = ",\n".join(
        json.dumps(_node(subject, pairs), ensure_ascii=False)
        for subject, pairs in Sorted.of(graph).by_subject()
    )
    return f'{{"@context": {context},\n"@graph": [\n{nodes}\n]}}\n'.encode()


def context_document(base_iri: str) -> bytes:
    """The stand-alone ``context.jsonld`` published beside the data."""
    return (
        json.dumps({"@context": jsonld_context(base_iri)}, ensure_ascii=False, indent=2) + "\n"
    ).encode("utf-8")
