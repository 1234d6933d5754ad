"""Namespaces of the published vocabulary (docs/architecture.md) and SPARQL prefix text."""

from __future__ import annotations

from rdflib import Graph, Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, QB, RDF, RDFS, SKOS, TIME, VOID, XSD

DX = Namespace("https://data.pref.fukushima.lg.jp/dx/ontology#")
SCHEMA = Namespace("http://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
QUDT = Namespace("http://qudt.org/schema/qudt/")
UNIT = Namespace("http://qudt.org/vocab/unit/")
SDMX_ATTR = Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

PREFIXES: dict[str, str] = {
    "dx": str(DX),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "schema": str(SCHEMA),
    "org": str(ORG),
    "qb": str(QB),
    "dct": str(DCTERMS),
    "dcat": str(DCAT),
    "prov": str(PROV),
    "time": str(TIME),
    "qudt": str(QUDT),
    "unit": str(UNIT),
    "sdmx-attribute": str(SDMX_ATTR),
    "void": str(VOID),
    "foaf": str(FOAF),
    "vcard": str(VCARD),
    "adms": str(ADMS),
    "sd": str(SD),
}


def sparql_prefixes() -> str:
    """``PREFIX`` lines for every namespace above, to prepend to queries."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


def bind_prefixes(graph: Graph) -> Graph:
    """Bind our prefixes, replacing rdflib's defaults (its ``schema:`` is https)."""
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True, replace=True)
    return graph


def curie(iri: str) -> str:
    """``dx:kpiNumber`` for a known namespace, else the IRI itself."""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


def expand(name: str) -> str:
    """``http://www.w3.org/2004/02/skos/core#Concept`` for ``skos:Concept``.

    :raises KeyError: the prefix is not one of :data:`PREFIXES`.
    """
    prefix, _, local = name.partition(":")
    return PREFIXES[prefix] + local
