"""The one interface every view reads data through.

Pages, downloads, the catalog and ``/sparql`` only call the four methods of
:class:`Store`, so the same server runs on the embedded Oxigraph store or on any
remote SPARQL 1.1 endpoint (trifid's approach: a renderer that needs nothing but
SPARQL).
"""

from __future__ import annotations

import ast
import http.client
import os
import urllib.error
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node
from SPARQLWrapper import POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

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


# --- a remote SPARQL 1.1 endpoint -----------------------------------------------------------

_UPDATE_FORMS = frozenset(
    {"INSERT", "DELETE", "CREATE", "CLEAR", "DROP", "LOAD", "COPY", "MOVE", "ADD"}
)
_GRAPH_FORMS = frozenset({"CONSTRUCT", "DESCRIBE"})
#: What select/ask and construct ask a remote store for (answers are parsed by media type).
_RESULTS_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.8"
_GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.8"


def _store_says(exc: BaseException) -> str:
    """The store's own words from a SPARQLWrapper exception (it keeps only their repr)."""
    text = str(exc)
    _, found, raw = text.partition("Response:\n")
    if found:
        try:
            value = ast.literal_eval(raw.strip())
            if isinstance(value, bytes):
                return value.decode("utf-8", "replace").strip()
        except (ValueError, SyntaxError):
            pass
    return text


def _remote_error(exc: BaseException, url: str, timeout: float) -> StoreError:
    """Map a failed HTTP exchange with the store to the status the server should answer."""
    if isinstance(exc, QueryBadFormed):
        return QuerySyntaxError(_store_says(exc))
    if isinstance(exc, SPARQLWrapperException):
        return StoreError(f"SPARQL store {url} failed: {_store_says(exc)[:500]}", status=502)
    if isinstance(exc, urllib.error.HTTPError):
        status = exc.code if exc.code in (503, 504) else 502
        return StoreError(f"SPARQL store {url} answered HTTP {exc.code}", status=status)
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, TimeoutError):
        return StoreError(f"SPARQL store {url} did not answer within {timeout} s", status=504)
    if isinstance(reason, OSError):  # refused, reset, unknown host, unreachable network
        return StoreError(f"SPARQL store {url} is unreachable ({reason})", status=503)
    if isinstance(exc, http.client.HTTPException):
        return StoreError(f"SPARQL store {url} sent a broken answer ({exc!r})", status=502)
    return StoreError(f"SPARQL store {url} failed ({exc!r})", status=502)


class RemoteStore:
    """Any SPARQL 1.1 Protocol endpoint, queried with SPARQLWrapper.

    The store must answer queries against the union of its named graphs (``oxigraph serve
    --union-default-graph``, Fuseki ``tdb2:unionDefaultGraph true``; see the README).
    Every call is a fresh HTTP request with ``timeout`` seconds per socket operation, so a
    store that comes back is used again at once. Answers are parsed with pyoxigraph and
    converted exactly like :class:`LocalStore`'s, so both give equal rdflib terms.
    """

    def __init__(self, query_url: str, *, timeout: float = 10.0) -> None:
        if not timeout > 0:
            raise ValueError(f"timeout must be positive, not {timeout}")
        self.query_url = query_url
        self.timeout = timeout

    def _prepare(self, query: str, accept: str) -> tuple[SPARQLWrapper, str]:
        """A SPARQLWrapper for one POSTed query, and the query form it detected.

        :raises QuerySyntaxError: the text is a SPARQL Update (the store is read-only).
        """
        sparql = SPARQLWrapper(self.query_url)
        with warnings.catch_warnings():  # it warns on forms it cannot detect; the store decides
            warnings.simplefilter("ignore")
            sparql.setQuery(query)
        form = str(sparql.queryType).upper()
        if form in _UPDATE_FORMS:
            raise QuerySyntaxError(f"{form} is SPARQL Update; this endpoint is read-only")
        sparql.setMethod(POST)
        sparql.setOnlyConneg(True)
        sparql.timeout = self.timeout  # type: ignore[assignment] # setTimeout() int()s: 0.5 → none
        sparql.addCustomHttpHeader("Accept", accept)
        return sparql, form

    def _send(self, sparql: SPARQLWrapper) -> tuple[bytes, str]:
        """Run the request; return the body and its media type.

        :raises StoreError: 503 unreachable, 504 timeout, 502 failure; QuerySyntaxError 400.
        """
        response = None
        try:
            response = sparql.query().response
            body = bytes(response.read())
            media_type = str(response.headers.get_content_type())
        except Exception as exc:  # noqa: BLE001 - every failure is mapped to a status
            error = _remote_error(exc, self.query_url, self.timeout)
            for cause in (exc, exc.__context__):  # SPARQLWrapper leaves HTTPErrors open
                if isinstance(cause, urllib.error.HTTPError):
                    cause.close()
            raise error from exc
        finally:
            if response is not None:
                response.close()
        return body, media_type

    def _results(self, query: str, forms: frozenset[str], what: str) -> object:
        sparql, form = self._prepare(query, _RESULTS_ACCEPT)
        if form not in forms:
            raise StoreError(f"not {what} query", status=400)
        body, media_type = self._send(sparql)
        try:
            return ox.parse_query_results(body, format=RESULT_FORMATS[media_type])
        except (KeyError, SyntaxError, ValueError) as exc:
            raise self._unreadable(media_type, exc) from exc

    def _unreadable(self, media_type: str, exc: Exception) -> StoreError:
        return StoreError(
            f"SPARQL store {self.query_url} answered unreadable {media_type} ({exc})", status=502
        )

    def ask(self, query: str) -> bool:
        result = self._results(query, frozenset({"ASK"}), "an ASK")
        if not isinstance(result, ox.QueryBoolean):
            raise StoreError(f"SPARQL store {self.query_url} did not answer a boolean", status=502)
        return bool(result)

    def select(self, query: str) -> list[dict[str, Node]]:
        result = self._results(query, frozenset({"SELECT"}), "a SELECT")
        if not isinstance(result, ox.QuerySolutions):
            raise StoreError(f"SPARQL store {self.query_url} did not answer solutions", status=502)
        names = [v.value for v in result.variables]
        return [
            {name: to_rdflib(solution[name]) for name in names if solution[name] is not None}
            for solution in result
        ]

    def construct(self, query: str) -> Graph:
        sparql, form = self._prepare(query, _GRAPH_ACCEPT)
        if form not in _GRAPH_FORMS:
            raise StoreError("not a CONSTRUCT or DESCRIBE query", status=400)
        body, media_type = self._send(sparql)
        graph = Graph()
        try:
            for quad in ox.parse(body, format=GRAPH_FORMATS[media_type]):
                graph.add(
                    (to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object))
                )
        except (KeyError, SyntaxError, ValueError) as exc:
            raise self._unreadable(media_type, exc) from exc
        return graph

    def raw_query(self, query: str, accept: str) -> tuple[bytes, str]:
        """Run any query; the answer is the store's bytes in the media type ``accept``.

        :raises StoreError: (406) ``accept`` does not fit the query form; (502) the store
            answered in another format.
        """
        sparql, form = self._prepare(query, accept)
        if form in _GRAPH_FORMS and accept not in GRAPH_FORMATS:
            raise StoreError(f"{accept} cannot carry a graph", status=406)
        if form not in _GRAPH_FORMS and accept not in RESULT_FORMATS:
            raise StoreError(f"{accept} cannot carry query results", status=406)
        body, media_type = self._send(sparql)
        if media_type != accept:
            raise StoreError(
                f"SPARQL store {self.query_url} answered {media_type} instead of {accept}",
                status=502,
            )
        return body, media_type


def store_from_config(config: Mapping[str, object]) -> Store:
    """The store a server should read: remote when a URL is configured, else the build.

    ``STORE_URL`` in ``config`` (else the ``DX_STORE_URL`` environment variable) is the
    SPARQL query endpoint of a remote store (timeout ``STORE_TIMEOUT``, default 10 s);
    without one, the embedded store loads ``config["DIST_DIR"]`` (default ``dist``).

    :raises StoreError: the build cannot be loaded.
    """
    url = config.get("STORE_URL") if "STORE_URL" in config else os.environ.get("DX_STORE_URL")
    if url:
        timeout = config.get("STORE_TIMEOUT") or os.environ.get("DX_STORE_TIMEOUT") or 10.0
        return RemoteStore(str(url), timeout=float(str(timeout)))
    return local_store_from_dist(Path(str(config.get("DIST_DIR") or "dist")))
