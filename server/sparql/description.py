"""The SPARQL 1.1 Service Description of ``/sparql`` (what GET with no query returns to RDF
clients): languages, result formats, the dataset with its graphs, and the limits.

The same data gives the same bytes in every process and after every restart, so its strong
ETag holds everywhere: the dataset and its graphs are not blank nodes (rdflib labels those
at random) but IRIs in the endpoint's own document, ``<endpoint>#dataset``,
``#default-graph`` and, per named graph, ``#named-graph-<h>`` / ``#graph-<h>`` where ``<h>``
is a digest of the graph's IRI (the Service Description lets any node be an IRI).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, VOID, XSD

from converter.vocab import SD
from server.config import Settings

FORMATS = Namespace("http://www.w3.org/ns/formats/")
ENTAILMENT = Namespace("http://www.w3.org/ns/entailment/")
_RESULT_FORMATS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "JSON-LD",
    "N-Triples",
    "RDF_XML",
)


def service_description(endpoint: str, graphs: Mapping[str, int], settings: Settings) -> Graph:
    """The description of the endpoint at ``endpoint`` holding ``{graph IRI: triples}``."""
    g = Graph()
    g.bind("sd", SD)
    g.bind("formats", FORMATS)
    g.bind("void", VOID)
    g.bind("dct", DCTERMS)
    service = URIRef(endpoint)
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, service))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    g.add((service, SD.defaultEntailmentRegime, ENTAILMENT.Simple))
    for name in _RESULT_FORMATS:
        g.add((service, SD.resultFormat, FORMATS[name]))
    for iri in sorted(settings.extension_functions):
        g.add((service, SD.extensionFunction, URIRef(iri)))
    g.add((service, DCTERMS.title, Literal("福島県 行政DX KPI SPARQLエンドポイント", lang="ja")))
    g.add(
        (service, DCTERMS.title, Literal("Fukushima Prefecture DX KPI SPARQL endpoint", lang="en"))
    )
    g.add((service, RDFS.comment, Literal(_limits(settings), lang="en")))
    g.add((service, SD.defaultDataset, _dataset(g, endpoint, graphs)))
    return g


def _node(endpoint: str, name: str, graph: str = "") -> URIRef:
    """``<endpoint>#name``, or ``#name-<digest of graph>``: stable in every process."""
    suffix = f"-{hashlib.sha256(graph.encode()).hexdigest()[:16]}" if graph else ""
    return URIRef(f"{endpoint}#{name}{suffix}")


def _dataset(g: Graph, endpoint: str, graphs: Mapping[str, int]) -> URIRef:
    dataset, default = _node(endpoint, "dataset"), _node(endpoint, "default-graph")
    g.add((dataset, RDF.type, SD.Dataset))
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    g.add((default, RDFS.comment, Literal("the union of all named graphs", lang="en")))
    g.add((default, VOID.triples, Literal(sum(graphs.values()), datatype=XSD.integer)))
    for iri, triples in sorted(graphs.items()):
        named, graph = _node(endpoint, "named-graph", iri), _node(endpoint, "graph", iri)
        g.add((dataset, SD.namedGraph, named))
        g.add((named, RDF.type, SD.NamedGraph))
        g.add((named, SD.name, URIRef(iri)))
        g.add((named, SD.graph, graph))
        g.add((graph, RDF.type, SD.Graph))
        g.add((graph, VOID.triples, Literal(triples, datatype=XSD.integer)))
    return dataset


def _limits(settings: Settings) -> str:
    return (
        f"Read-only. Queries stop after {settings.sparql_timeout:g} s (HTTP 503); answers keep "
        f"at most {settings.sparql_max_rows} rows or triples (X-SPARQL-Truncated when cut); "
        f"queries up to {settings.sparql_max_query_length} characters and bodies up to "
        f"{settings.sparql_max_body_bytes} bytes (HTTP 413). SERVICE is refused and FROM may only "
        "name the graphs listed here: this endpoint never fetches data from other hosts. "
        "Queries may call SPARQL 1.1's own functions, the XSD casts and the extension "
        "functions listed here (sd:extensionFunction), nothing else (HTTP 400)."
    )
