"""The namespaces of the published data, defined once, and the prefix helpers built on them.

The converter writes with these prefixes and the server reads with them, so a CURIE means the
same thing in a dump, on a page and in a SPARQL query.
"""

from __future__ import annotations

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import (
    DCAT,
    DCTERMS,
    FOAF,
    ORG,
    OWL,
    PROV,
    QB,
    RDF,
    RDFS,
    SKOS,
    TIME,
    VOID,
    XSD,
)

DX = Namespace("https://data.pref.fukushima.lg.jp/dx/ontology#")
ONTOLOGY_IRI = URIRef("https://data.pref.fukushima.lg.jp/dx/ontology")
#: The SHACL shapes of the gate (shapes/dx-shapes.ttl); not a prefix of the data.
DXSH = Namespace("https://data.pref.fukushima.lg.jp/dx/shapes#")
SCHEMA = Namespace("http://schema.org/")
# rdflib's DCAT is closed over DCAT 2: the DCAT 3 terms (dcat:DatasetSeries, dcat:inSeries,
# dcat:version, dcat:hasVersion, …) would warn. The same namespace, open.
DCAT3 = Namespace(str(DCAT))
QUDT = Namespace("http://qudt.org/schema/qudt/")
UNIT = Namespace("http://qudt.org/vocab/unit/")
SDMX_ATTR = Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
EU_FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
EU_LANGUAGE = Namespace("http://publications.europa.eu/resource/authority/language/")
EU_THEME = Namespace("http://publications.europa.eu/resource/authority/data-theme/")
EU_FREQUENCY = Namespace("http://publications.europa.eu/resource/authority/frequency/")
IANA_MEDIA = "http://www.iana.org/assignments/media-types/"

#: prefix → namespace IRI, for every writer, page and query of the project.
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

__all__ = [
    "ADMS", "DCAT", "DCAT3", "DCTERMS", "DX", "DXSH", "EU_FILE_TYPE", "EU_FREQUENCY", "EU_LANGUAGE",
    "EU_THEME", "FOAF", "IANA_MEDIA", "ONTOLOGY_IRI", "ORG", "OWL", "PREFIXES", "PROV", "QB",
    "QUDT", "RDF", "RDFS", "SCHEMA", "SD", "SDMX_ATTR", "SKOS", "TIME", "UNIT", "VCARD", "VOID",
    "XSD",
    "bind_prefixes", "curie", "expand", "sparql_prefixes",
]  # fmt: skip


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
