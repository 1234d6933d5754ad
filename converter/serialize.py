"""The four RDF formats: one registry, and byte-identical output for the same graph.

Determinism matters: the diff between two editions must be reviewable, so every writer
emits triples sorted and JSON with sorted nodes.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph

from converter.jsonld import context_document, jsonld, jsonld_context
from converter.writers import ntriples, rdf_xml, turtle


@dataclass(frozen=True)
class Format:
    name: str
    rdflib_name: str  # the rdflib parser name, for reading the format back
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
    Format("RDF/XML", "xml", "application/rdf+xml", "rdf"),
)


def serialize(graph: Graph, fmt: Format, *, base_iri: str) -> bytes:
    """Serialize deterministically in ``fmt``."""
    if fmt.extension == "nt":
        return ntriples(graph)
    if fmt.extension == "jsonld":
        return jsonld(graph, base_iri)
    if fmt.extension == "rdf":
        return rdf_xml(graph)
    return turtle(graph, extra_prefixes={"res": f"{base_iri}id/"})


__all__ = ["FORMATS", "Format", "context_document", "jsonld_context", "serialize"]
