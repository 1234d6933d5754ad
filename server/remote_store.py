"""A remote SPARQL 1.1 endpoint as a :class:`~server.store.Store` (re-exported there).

Readers must see the published graphs and nothing else: not the staging graphs of a publish
in progress, nor those an interrupted publish left behind. So every query carries the SPARQL
1.1 Protocol dataset parameters, ``default-graph-uri`` and ``named-graph-uri``, one per live
graph: the default graph is their union (what LocalStore serves) and ``GRAPH ?g`` ranges over
them alone. This works on any SPARQL 1.1 store, with or without a union default graph.

The live graphs are read from the publication register that ``converter.publish`` rewrites
in the same Update request as its switch (see there why a register), and cached for
``graphs_ttl`` seconds, so a new edition is served within that time. A store that holds no
register (filled by other tools) serves its named graphs outside ``urn:x-dx-lod:``.
"""

from __future__ import annotations

import ast
import http.client
import time
import urllib.error
import warnings

import pyoxigraph as ox
from rdflib import Graph
from rdflib.term import Node
from SPARQLWrapper import POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

from converter.publish import CONTROL_PREFIX, PUBLISHED_GRAPH, REGISTER_GRAPH
from server.errors import ApiError
from server.sparql_guard import analyse, tokenize
from server.store import (
    GRAPH_FORMATS,
    RESULT_FORMATS,
    QuerySyntaxError,
    StoreError,
    to_rdflib,
)

_UPDATE_FORMS = frozenset(
    {"INSERT", "DELETE", "CREATE", "CLEAR", "DROP", "LOAD", "COPY", "MOVE", "ADD"}
)
_GRAPH_FORMS = frozenset({"CONSTRUCT", "DESCRIBE"})
#: What select/ask and construct ask a remote store for (answers are parsed by media type).
_RESULTS_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.8"
_GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.8"
_REGISTER_QUERY = f"SELECT ?g WHERE {{ GRAPH <{REGISTER_GRAPH}> {{ ?g a <{PUBLISHED_GRAPH}> }} }}"
_NAMED_GRAPHS_QUERY = (
    f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ }} FILTER(!STRSTARTS(STR(?g), "{CONTROL_PREFIX}")) }}'
)
#: The default graph when nothing is published: a graph nobody writes, so it is empty.
_NOTHING = CONTROL_PREFIX + "nothing-published"

Dataset = tuple[tuple[str, str], ...]  #: protocol parameters ``((name, graph IRI), …)``


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


def own_dataset(query: str) -> Dataset | None:
    """The query's own ``FROM`` / ``FROM NAMED`` graphs as protocol parameters (None: none).

    A query that names its dataset gets exactly that dataset, not the published one. It is
    restated as protocol parameters (the same dataset: SPARQL 1.1 Protocol §2.1.4) because
    a store may ignore FROM otherwise: ``oxigraph serve --union-default-graph`` answers
    ``FROM <g>`` from the union of all graphs, staging graphs included.
    """
    if not any(t.kind == "word" and t.text.upper() == "FROM" for t in tokenize(query)):
        return None  # the common case, decided by the fast tokenizer alone
    try:
        info = analyse(query, "")
    except ApiError:  # not something the guard accepts: the store gives its own answer
        return None
    if not (info.from_graphs or info.from_named):
        return None
    return (
        *(("default-graph-uri", g) for g in info.from_graphs),
        *(("named-graph-uri", g) for g in info.from_named),
    )


class RemoteStore:
    """Any SPARQL 1.1 Protocol endpoint, queried with SPARQLWrapper.

    Every query is answered from the published graphs only (the protocol dataset, see the
    module docstring); the store's own default graph does not matter. Every call is a fresh
    HTTP request with ``timeout`` seconds per socket operation, so a store that comes back
    is used again at once. Answers are parsed with pyoxigraph and converted exactly like
    :class:`~server.store.LocalStore`'s, so both give equal rdflib terms.
    """

    def __init__(self, query_url: str, *, timeout: float = 10.0, graphs_ttl: float = 5.0) -> None:
        if not timeout > 0:
            raise ValueError(f"timeout must be positive, not {timeout}")
        if not graphs_ttl >= 0:
            raise ValueError(f"graphs_ttl must not be negative, not {graphs_ttl}")
        self.query_url = query_url
        self.timeout = timeout
        self.graphs_ttl = graphs_ttl
        # (monotonic time of the read, dataset): replaced whole, so threads need no lock.
        self._dataset: tuple[float, Dataset] | None = None

    def published_graphs(self) -> tuple[str, ...]:
        """The graphs this store serves, at most ``graphs_ttl`` seconds old.

        :raises StoreError: the store cannot be asked (503, 504, 502).
        """
        return tuple(g for name, g in self._published() if name == "named-graph-uri")

    def _published(self) -> Dataset:
        cached = self._dataset
        if cached is not None and time.monotonic() - cached[0] < self.graphs_ttl:
            return cached[1]
        asked = time.monotonic()
        graphs = self._graph_list(_REGISTER_QUERY) or self._graph_list(_NAMED_GRAPHS_QUERY)
        dataset: Dataset = (
            *(("default-graph-uri", g) for g in graphs),
            *(("named-graph-uri", g) for g in graphs),
        ) or (("default-graph-uri", _NOTHING),)
        self._dataset = (asked, dataset)
        return dataset

    def _graph_list(self, query: str) -> list[str]:
        result = self._results(query, frozenset({"SELECT"}), "a SELECT", dataset=())
        if not isinstance(result, ox.QuerySolutions):
            raise StoreError(f"SPARQL store {self.query_url} did not answer solutions", status=502)
        graphs = {s["g"].value for s in result if isinstance(s["g"], ox.NamedNode)}
        return sorted(graphs)

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

    def _send(self, sparql: SPARQLWrapper, dataset: Dataset | None = None) -> tuple[bytes, str]:
        """Run the request on ``dataset``; return the body and its media type.

        ``dataset`` None: the query's own FROM / FROM NAMED graphs, else the published ones.

        :raises StoreError: 503 unreachable, 504 timeout, 502 failure; QuerySyntaxError 400.
        """
        if dataset is None:
            dataset = own_dataset(sparql.queryString) or self._published()
        for name, graph in dataset:
            sparql.addParameter(name, graph)
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

    def _results(
        self, query: str, forms: frozenset[str], what: str, dataset: Dataset | None = None
    ) -> object:
        sparql, form = self._prepare(query, _RESULTS_ACCEPT)
        if form not in forms:
            raise StoreError(f"not {what} query", status=400)
        body, media_type = self._send(sparql, dataset)
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
