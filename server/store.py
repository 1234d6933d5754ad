"""The one interface every view reads data through.

Pages, downloads, the catalog and ``/sparql`` only call the four methods of
:class:`Store`, so the same server runs on the embedded Oxigraph store or on any
remote SPARQL 1.1 endpoint (trifid's approach: a renderer that needs nothing but
SPARQL).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

if TYPE_CHECKING:
    from server.remote_store import RemoteStore as RemoteStore

#: SPARQL results media types the stores can answer with.
RESULT_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
#: RDF media types for CONSTRUCT / DESCRIBE answers.
GRAPH_FORMATS: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}


class StoreError(Exception):
    """A store could not answer. ``status`` is the HTTP status a server should use."""

    def __init__(self, message: str, *, status: int = 502) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class QuerySyntaxError(StoreError):
    """The query text is not SPARQL 1.1."""

    def __init__(self, message: str) -> None:
        super().__init__(message, status=400)


class Store(Protocol):
    """Read access to the published data (union of all named graphs)."""

    def ask(self, query: str) -> bool: ...

    def construct(self, query: str) -> Graph: ...

    def select(self, query: str) -> list[dict[str, Node]]: ...

    def raw_query(self, query: str, accept: str) -> tuple[bytes, str]: ...


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    """Convert a pyoxigraph term to the equal rdflib term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    if datatype == "http://www.w3.org/2001/XMLSchema#string":
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(datatype))


class LocalStore:
    """An in-process Oxigraph store; the default graph is the union of all graphs."""

    def __init__(self, store: ox.Store) -> None:
        self._store = store

    @classmethod
    def from_files(cls, files: Mapping[str, Path] | Iterable[tuple[str, Path]]) -> LocalStore:
        """Load ``{graph IRI: RDF file}`` into a fresh in-memory store.

        :raises StoreError: a file is missing or is not valid RDF.
        """
        store = ox.Store()
        items = files.items() if isinstance(files, Mapping) else files
        for graph_iri, path in items:
            try:
                store.bulk_load(path=str(path), to_graph=ox.NamedNode(graph_iri))
            except (OSError, SyntaxError, ValueError) as exc:
                raise StoreError(f"{path}: {exc}", status=500) from exc
        return cls(store)

    @property
    def oxigraph(self) -> ox.Store:
        """The underlying pyoxigraph store (for bulk reads such as dumps)."""
        return self._store

    def _query(self, query: str) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        try:
            return self._store.query(query, use_default_graph_as_union=True)
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc

    def ask(self, query: str) -> bool:
        result = self._query(query)
        if not isinstance(result, ox.QueryBoolean):
            raise StoreError("not an ASK query", status=400)
        return bool(result)

    def construct(self, query: str) -> Graph:
        result = self._query(query)
        if not isinstance(result, ox.QueryTriples):
            raise StoreError("not a CONSTRUCT or DESCRIBE query", status=400)
        graph = Graph()
        for triple in result:
            graph.add(
                (to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object))
            )
        return graph

    def select(self, query: str) -> list[dict[str, Node]]:
        result = self._query(query)
        if not isinstance(result, ox.QuerySolutions):
            raise StoreError("not a SELECT query", status=400)
        names = [v.value for v in result.variables]
        rows = []
        for solution in result:
            row = {}
            for name in names:
                value = solution[name]
                if value is not None:
                    row[name] = to_rdflib(value)
            rows.append(row)
        return rows

    def raw_query(self, query: str, accept: str) -> tuple[bytes, str]:
        """Run any query and serialize its answer in the media type ``accept``.

        :raises StoreError: (status 406) ``accept`` does not fit the query form.
        """
        result = self._query(query)
        if isinstance(result, ox.QueryTriples):
            rdf_format = GRAPH_FORMATS.get(accept)
            if rdf_format is None:
                raise StoreError(f"{accept} cannot carry a graph", status=406)
            return bytes(result.serialize(format=rdf_format) or b""), accept
        results_format = RESULT_FORMATS.get(accept)
        if results_format is None:
            raise StoreError(f"{accept} cannot carry query results", status=406)
        return bytes(result.serialize(format=results_format) or b""), accept


def dist_graphs(dist_dir: Path) -> dict[str, Path]:
    """``{graph IRI: file}`` of a build, as listed in its ``manifest.json``.

    :raises StoreError: the build is missing or its manifest is unreadable.
    """
    import json

    manifest = Path(dist_dir) / "manifest.json"
    try:
        graphs = json.loads(manifest.read_text(encoding="utf-8"))["graphs"]
    except (OSError, ValueError, KeyError) as exc:
        raise StoreError(f"{manifest}: not a build ({exc}); run `make build`", status=500) from exc
    return {iri: Path(dist_dir) / name for iri, name in sorted(graphs.items())}


def local_store_from_dist(dist_dir: Path) -> LocalStore:
    """An embedded store holding every named graph of a build."""
    return LocalStore.from_files(dist_graphs(dist_dir))


# --- a remote SPARQL 1.1 endpoint: server/remote_store.py --------------------------------


def __getattr__(name: str) -> object:
    """``RemoteStore`` is re-exported lazily: its module imports this one (no import cycle)."""
    if name == "RemoteStore":
        from server.remote_store import RemoteStore

        return RemoteStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def store_from_config(config: Mapping[str, object]) -> Store:
    """The store a server should read: remote when a URL is configured, else the build.

    ``STORE_URL`` in ``config`` (else the ``DX_STORE_URL`` environment variable) is the
    SPARQL query endpoint of a remote store (timeout ``STORE_TIMEOUT``, default 10 s; the
    list of published graphs is re-read every ``STORE_GRAPHS_TTL`` seconds, default 5; each
    also from ``DX_…`` in the environment); without one, the embedded store loads
    ``config["DIST_DIR"]`` (default ``dist``).

    :raises StoreError: the build cannot be loaded.
    """
    from server.remote_store import RemoteStore

    url = config.get("STORE_URL") if "STORE_URL" in config else os.environ.get("DX_STORE_URL")
    if url:
        return RemoteStore(
            str(url),
            timeout=_seconds(config, "STORE_TIMEOUT", 10.0),
            graphs_ttl=_seconds(config, "STORE_GRAPHS_TTL", 5.0),
        )
    return local_store_from_dist(Path(str(config.get("DIST_DIR") or "dist")))


def _seconds(config: Mapping[str, object], key: str, default: float) -> float:
    """``config[key]``, else ``$DX_<key>``, else ``default``, as seconds.

    :raises StoreError: (500) the setting is not a number.
    """
    value = config.get(key)
    if value is None or value == "":
        value = os.environ.get(f"DX_{key}") or default
    try:
        return float(str(value))
    except ValueError as exc:
        raise StoreError(f"{key}={value!r}: not a number of seconds", status=500) from exc
