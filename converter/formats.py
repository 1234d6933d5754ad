"""The one formats registry: every representation the project writes, reads or serves.

Each :class:`Format` (oxigraph's ``RdfFormat`` shape: media type, extension, name) knows its
aliases, its ``format=`` names, whether it is text, how portals label it, and how to write a
graph in it. The converter's dumps, the resource pages, the catalog and ``/sparql`` all pick
formats here, so one media type always gets one serializer.

The RDF writers are deterministic (sorted triples, sorted JSON): the diff between two
editions must be reviewable. The module imports only pyoxigraph at load time, so the query
worker processes that use it start fast.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import pyoxigraph as ox

if TYPE_CHECKING:
    from rdflib import Graph

    from converter.writers import Sorted

Kind = Literal["rdf", "results", "document"]


@dataclass(frozen=True)
class Format:
    """A representation: a graph syntax, a SPARQL results syntax, or a document type."""

    key: str  #: short stable id, e.g. ``turtle``
    name: str  #: what people call it, e.g. ``Turtle``
    media_type: str
    extension: str
    kind: Kind
    aliases: tuple[str, ...] = ()  #: other media types clients send for the same thing
    names: tuple[str, ...] = ()  #: values of ``format=`` / ``output=`` that mean it
    text: bool = True  #: sent with ``charset=utf-8`` and worth compressing
    portal_format: str = ""  #: CKAN's resource format label
    file_type: str = ""  #: EU file-type authority code (DCAT ``dct:format``)
    rdflib_name: str = ""  #: rdflib's parser name, for reading the format back

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` header value (with the charset every text here is in)."""
        return f"{self.media_type}; charset=utf-8" if self.text else self.media_type

    @property
    def is_rdf(self) -> bool:
        return self.kind == "rdf"

    @property
    def oxigraph(self) -> ox.RdfFormat | ox.QueryResultsFormat:
        """pyoxigraph's own format object for this entry.

        :raises ValueError: a document format has none.
        """
        found: ox.RdfFormat | ox.QueryResultsFormat | None = (
            ox.RdfFormat.from_media_type(self.media_type)
            if self.kind == "rdf"
            else ox.QueryResultsFormat.from_media_type(self.media_type)
            if self.kind == "results"
            else None
        )
        if found is None:
            raise ValueError(f"{self.name} is not an oxigraph format")
        return found

    def serialize(self, graph: Graph | Sorted, *, base_iri: str) -> bytes:
        """Write ``graph`` in this format, byte-identically for the same graph.

        Writing several formats of one graph, pass ``writers.Sorted(graph)``: it is sorted once.

        :raises ValueError: this is not a graph format.
        """
        writer = _WRITERS.get(self.key)
        if writer is None:
            raise ValueError(f"{self.name} cannot carry a graph")
        return writer(graph, base_iri)


def _turtle(graph: Graph | Sorted, base_iri: str) -> bytes:
    from converter.writers import turtle

    return turtle(graph, extra_prefixes={"res": f"{base_iri}id/"})


def _jsonld(graph: Graph | Sorted, base_iri: str) -> bytes:
    from converter.jsonld import jsonld

    return jsonld(graph, base_iri)


def _ntriples(graph: Graph | Sorted, base_iri: str) -> bytes:
    from converter.writers import ntriples

    return ntriples(graph)


def _rdf_xml(graph: Graph | Sorted, base_iri: str) -> bytes:
    from converter.writers import rdf_xml

    return rdf_xml(graph)


_WRITERS: dict[str, Callable[[Graph | Sorted, str], bytes]] = {
    "turtle": _turtle,
    "json-ld": _jsonld,
    "n-triples": _ntriples,
    "rdf-xml": _rdf_xml,
}

TURTLE = Format(
    "turtle", "Turtle", "text/turtle", "ttl", "rdf",
    aliases=("application/x-turtle", "application/turtle", "text/n3", "text/rdf+n3",
             "application/n3"),
    names=("turtle", "ttl", "n3"), portal_format="Turtle", file_type="RDF_TURTLE",
    rdflib_name="turtle",
)  # fmt: skip
JSON_LD = Format(
    "json-ld", "JSON-LD", "application/ld+json", "jsonld", "rdf",
    aliases=("application/json", "application/x-json+ld"), names=("json-ld", "jsonld", "json"),
    portal_format="JSON-LD", file_type="JSON_LD", rdflib_name="json-ld",
)  # fmt: skip
N_TRIPLES = Format(
    "n-triples", "N-Triples", "application/n-triples", "nt", "rdf",
    aliases=("text/plain",), names=("nt", "ntriples", "n-triples"),
    portal_format="N-Triples", file_type="RDF_N_TRIPLES", rdflib_name="nt",
)  # fmt: skip
RDF_XML = Format(
    "rdf-xml", "RDF/XML", "application/rdf+xml", "rdf", "rdf",
    aliases=("application/xml", "text/xml"), names=("xml", "rdf", "rdf+xml", "rdfxml"),
    portal_format="RDF/XML", file_type="RDF_XML", rdflib_name="xml",
)  # fmt: skip

RESULTS_JSON = Format(
    "srj", "SPARQL Results JSON", "application/sparql-results+json", "srj", "results",
    aliases=("application/json",), names=("json", "srj"), portal_format="JSON",
)  # fmt: skip
RESULTS_XML = Format(
    "srx", "SPARQL Results XML", "application/sparql-results+xml", "srx", "results",
    aliases=("application/xml", "text/xml"), names=("xml", "srx"), portal_format="XML",
)  # fmt: skip
RESULTS_CSV = Format(
    "csv-results", "SPARQL Results CSV", "text/csv", "csv", "results", names=("csv",),
    portal_format="CSV",
)  # fmt: skip
RESULTS_TSV = Format(
    "tsv", "SPARQL Results TSV", "text/tab-separated-values", "tsv", "results", names=("tsv",),
    portal_format="TSV",
)  # fmt: skip

HTML = Format(
    "html", "HTML", "text/html", "html", "document", aliases=("application/xhtml+xml",),
    names=("html", "text/html"), portal_format="HTML", file_type="HTML",
)  # fmt: skip
CSV = Format(
    "csv", "CSV", "text/csv", "csv", "document", portal_format="CSV", file_type="CSV",
)  # fmt: skip
CSVW = Format(
    "csvw", "CSVW metadata", "application/csvm+json", "json", "document",
    portal_format="JSON", file_type="JSON",
)  # fmt: skip
XLSX = Format(
    "xlsx", "Excel workbook", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xlsx", "document", text=False, portal_format="XLSX", file_type="XLSX",
)  # fmt: skip

#: Graph syntaxes, in the order that breaks ties (``*/*`` gets the first one offered).
RDF_FORMATS: tuple[Format, ...] = (TURTLE, JSON_LD, N_TRIPLES, RDF_XML)
#: SELECT / ASK answer syntaxes; the first is the default.
RESULT_FORMATS: tuple[Format, ...] = (RESULTS_JSON, RESULTS_XML, RESULTS_CSV, RESULTS_TSV)
DOCUMENT_FORMATS: tuple[Format, ...] = (HTML, CSV, CSVW, XLSX)
ALL: tuple[Format, ...] = (*RDF_FORMATS, *RESULT_FORMATS, *DOCUMENT_FORMATS)


def from_media_type(media_type: str, among: Iterable[Format] = ALL) -> Format | None:
    """The format registered for a media type or an alias of it (parameters ignored)."""
    bare = media_type.split(";", 1)[0].strip().lower()
    candidates = tuple(among)
    return next((f for f in candidates if f.media_type == bare), None) or next(
        (f for f in candidates if bare in f.aliases), None
    )


def from_extension(extension: str, among: Iterable[Format] = ALL) -> Format | None:
    """The format for a file extension, with or without the leading dot."""
    ext = extension.lower().lstrip(".")
    return next((f for f in among if f.extension == ext), None)


def from_name(name: str, among: Iterable[Format] = ALL) -> Format | None:
    """The format a ``format=`` value names: a short name, a media type or an alias."""
    value = name.strip().lower()
    candidates = tuple(among)
    return next((f for f in candidates if value in f.names), None) or from_media_type(
        value, candidates
    )


def for_file(name: str) -> Format:
    """The format of a published file, from its name (``…-metadata.json`` is CSVW)."""
    if name.endswith("-metadata.json"):
        return CSVW
    found = from_extension(name.rpartition(".")[2], (*RDF_FORMATS, *DOCUMENT_FORMATS))
    return found or Format("binary", "file", "application/octet-stream", "", "document", text=False)


def supported_list(offered: Iterable[Format]) -> str:
    """The media types a 406 answer names."""
    return ", ".join(f.media_type for f in offered)
