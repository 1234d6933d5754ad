"""A remote SPARQL 1.1 endpoint as a :class:`~server.stores.base.Store`.

Readers must see the published graphs and nothing else: not the staging graphs of a publish
in progress, nor those an interrupted publish left behind. So every query carries the SPARQL
1.1 Protocol dataset parameters, ``default-graph-uri`` and ``named-graph-uri``, one per live
graph: the default graph is their union (what LocalStore serves) and ``GRAPH ?g`` ranges over
them alone. This works on any SPARQL 1.1 store, with or without a union default graph.

The live graphs are read from the publication register that ``converter.publish`` rewrites
in the same Update request as its switch (see there why a register), and cached for
``graphs_ttl`` seconds, so a new edition is served within that time. A store that holds no
register (filled by other tools) serves its named graphs outside ``urn:x-dx-lod:``.

A query URL with ``user:password@`` is queried with HTTP Basic auth and never shown: what a
failure tells the client and what it logs is server/stores/remote_errors.py.
"""

from __future__ import annotations

import threading
import time
import urllib.error
import warnings
from dataclasses import dataclass, replace

import pyoxigraph as ox
from rdflib import Graph
from rdflib.term import Node
from SPARQLWrapper import POST, SPARQLWrapper

from converter.contract import BUILD_DIGEST, CONTROL_PREFIX, PUBLISHED_GRAPH, REGISTER_GRAPH
from converter.formats import RDF_FORMATS, RESULT_FORMATS, Format, from_media_type
from converter.xmltext import checked, is_xml
from server.errors import QueryError, QuerySyntaxError, StoreError, UnsupportedFormat, UpdateRefused
from server.metrics.families import store_request
from server.stores.base import Executor, QueryLimits
from server.stores.execution import AdmittingExecutor, CachingExecutor, ForwardingExecutor
from server.stores.remote_answers import readable_bnodes
from server.stores.remote_errors import StoreAddress, failure, remote_error
from server.stores.terms import solutions_to_rows, triples_to_graph
from server.syntax import analyse, tokenize

_UPDATE_FORMS = frozenset(
    {"INSERT", "DELETE", "CREATE", "CLEAR", "DROP", "LOAD", "COPY", "MOVE", "ADD"}
)
_GRAPH_FORMS = frozenset({"CONSTRUCT", "DESCRIBE"})
#: What select/ask and construct ask a remote store for (answers are parsed by media type).
_RESULTS_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.8"
_GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.8"
#: The live graphs and the live build's digest (a store published before the register held
#: a digest has none: its answers are then kept for the graph list's TTL only).
_REGISTER_QUERY = (
    f"SELECT ?g ?digest WHERE {{ GRAPH <{REGISTER_GRAPH}> {{ {{ ?g a <{PUBLISHED_GRAPH}> }} "
    f"UNION {{ <{REGISTER_GRAPH}> <{BUILD_DIGEST}> ?digest }} }} }}"
)
#: The store's named graphs; Virtuoso answers the first with one solution binding nothing
#: (it has no empty graphs), so there the second, which reads triples, is asked.
_NAMED_GRAPHS_QUERY = "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"
_FILLED_GRAPHS_QUERY = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
_COUNTS_QUERY = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
#: A graph nobody writes, so it is empty: the default graph when nothing is published, and
#: the named graph of a dataset that has none (see :func:`_complete`).
_NOTHING = CONTROL_PREFIX + "nothing-published"

Dataset = tuple[tuple[str, str], ...]  #: protocol parameters ``((name, graph IRI), …)``


@dataclass(frozen=True)
class Published:
    """What the register said when last read."""

    asked: float  #: time.monotonic() of the read
    dataset: Dataset
    counts: dict[str, int] | None  #: triples per graph, once asked for
    digest: str | None  #: the live build's digest (None: the register states none)


_JSON_RESULTS = "application/sparql-results+json"


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
    except QueryError:  # not something the guard accepts: the store gives its own answer
        return None
    if not (info.from_graphs or info.from_named):
        return None
    return _complete(
        (
            *(("default-graph-uri", g) for g in info.from_graphs),
            *(("named-graph-uri", g) for g in info.from_named),
        )
    )


def _complete(dataset: Dataset) -> Dataset:
    """``dataset`` with an empty named graph when it names none.

    A dataset without ``named-graph-uri`` has no named graphs (SPARQL 1.1 Query §13.2), but
    Virtuoso then lets ``GRAPH ?g`` range over every graph of the store, staging graphs
    included. Naming one graph that nobody writes gives the same answers on every store.
    """
    if any(name == "named-graph-uri" for name, _ in dataset):
        return dataset
    return (*dataset, ("named-graph-uri", _NOTHING))


class RemoteStore:
    """Any SPARQL 1.1 Protocol endpoint, queried with SPARQLWrapper.

    Every query is answered from the published graphs only (the protocol dataset, see the
    module docstring); the store's own default graph does not matter. Every call is a fresh
    HTTP request with ``timeout`` seconds per socket operation, so a store that comes back
    is used again at once. Answers are parsed with pyoxigraph and converted exactly like
    :class:`~server.stores.local.LocalStore`'s, so both give equal rdflib terms.
    """

    def __init__(self, query_url: str, *, timeout: float = 10.0, graphs_ttl: float = 5.0) -> None:
        if not timeout > 0:
            raise ValueError(f"timeout must be positive, not {timeout}")
        if not graphs_ttl >= 0:
            raise ValueError(f"graphs_ttl must not be negative, not {graphs_ttl}")
        # ``user:password@`` in the URL becomes HTTP Basic auth; query_url never holds it.
        self._address = StoreAddress.parse(query_url)
        self.query_url = self._address.url
        self.timeout = timeout
        self.graphs_ttl = graphs_ttl
        # The one cache of the published graphs, for pages and /sparql, replaced whole so
        # that readers need no lock; one thread at a time reads the register again.
        self._dataset: Published | None = None
        self._refreshing = threading.Lock()

    def published_graphs(self) -> tuple[str, ...]:
        """The graphs this store serves, at most ``graphs_ttl`` seconds old.

        :raises StoreError: the store cannot be asked.
        """
        return tuple(
            g for name, g in self._published() if name == "named-graph-uri" and g != _NOTHING
        )

    def graphs(self) -> dict[str, int]:
        """``{graph IRI: triples}`` of the published graphs, at most ``graphs_ttl`` seconds old.

        :raises StoreError: the store cannot be asked.
        """
        dataset = self._published()
        cached = self._dataset
        if cached is not None and cached.dataset is dataset and cached.counts is not None:
            return cached.counts
        counts = {str(r["g"]): int(r["n"]) for r in self.select(_COUNTS_QUERY)}  # type: ignore[call-overload]
        if cached is not None and cached.dataset is dataset:
            self._dataset = replace(cached, counts=counts)
        return counts

    def data_version(self) -> str | None:
        """The digest of the live build as the register states it, read again at most every
        ``graphs_ttl`` seconds: it changes with every publish, and answers rendered before
        it are dropped. None for a store whose register states none.

        :raises StoreError: the store cannot be asked.
        """
        self._published()
        cached = self._dataset
        return cached.digest if cached is not None else None

    def executor(self, limits: QueryLimits) -> Executor:
        """Forward each query to the store in a thread, abandoned at the time limit.

        Answers are kept while the register states the same build digest (a publish
        changes it); a store whose register states none gets every query forwarded.
        """
        forwarding = AdmittingExecutor(ForwardingExecutor(self, limits), limits)
        if limits.cache_size <= 0:
            return forwarding
        return CachingExecutor(forwarding, limits.cache_size, version=self.data_version)

    def _published(self) -> Dataset:
        """The protocol dataset of the live graphs, read again once ``graphs_ttl`` has passed.

        One thread reads the register at a time; while it does, the others go on with the
        list they have (no burst of identical queries when the TTL ends under load).
        """
        cached = self._dataset
        if cached is not None and time.monotonic() - cached.asked < self.graphs_ttl:
            return cached.dataset
        if not self._refreshing.acquire(blocking=cached is None):
            return cached.dataset  # type: ignore[union-attr]  # another thread is reading it
        try:
            again = self._dataset
            if again is not None and time.monotonic() - again.asked < self.graphs_ttl:
                return again.dataset  # read by the thread this one waited for
            asked = time.monotonic()
            graphs, digest = self._register()
            graphs = graphs or self._named_graphs()
            dataset: Dataset = (
                *(("default-graph-uri", g) for g in graphs),
                *(("named-graph-uri", g) for g in graphs),
            ) or _complete((("default-graph-uri", _NOTHING),))
            if again is not None and again.dataset == dataset and again.digest == digest:
                dataset = again.dataset  # the same list: keep its counts
                self._dataset = replace(again, asked=asked)
            else:
                self._dataset = Published(asked, dataset, None, digest)
            return dataset
        finally:
            self._refreshing.release()

    def _register(self) -> tuple[list[str], str | None]:
        """The graphs the register marks live, and the build digest it states."""
        result = self._results(_REGISTER_QUERY, frozenset({"SELECT"}), "a SELECT", dataset=())
        if not isinstance(result, ox.QuerySolutions):
            raise StoreError(f"SPARQL store {self.query_url} did not answer solutions")
        graphs, digests = set(), set()
        for solution in result:
            graph, digest = solution["g"], solution["digest"]
            if isinstance(graph, ox.NamedNode):
                graphs.add(graph.value)
            if isinstance(digest, ox.Literal):
                digests.add(digest.value)
        return sorted(graphs), (digests.pop() if len(digests) == 1 else None)

    def _named_graphs(self) -> list[str]:
        """The store's named graphs outside ``urn:x-dx-lod:`` (for a store without register)."""
        found = self._graph_column(_NAMED_GRAPHS_QUERY)
        if any(g is None for g in found):
            found = self._graph_column(_FILLED_GRAPHS_QUERY)
        return sorted(
            {
                g.value
                for g in found
                if isinstance(g, ox.NamedNode) and not g.value.startswith(CONTROL_PREFIX)
            }
        )

    def _graph_column(self, query: str) -> list[object]:
        """``?g`` of each solution of ``query`` on the store's own dataset (None: unbound)."""
        result = self._results(query, frozenset({"SELECT"}), "a SELECT", dataset=())
        if not isinstance(result, ox.QuerySolutions):
            raise failure(self._address, "did not answer solutions")
        return [s["g"] for s in result]

    def _prepare(self, query: str, accept: str) -> tuple[SPARQLWrapper, str]:
        """A SPARQLWrapper for one POSTed query, and the query form it detected.

        :raises UpdateRefused: the text is a SPARQL Update (the store is read-only).
        """
        sparql = SPARQLWrapper(self.query_url)
        if self._address.password:
            sparql.setCredentials(self._address.user, self._address.password)
        with warnings.catch_warnings():  # it warns on forms it cannot detect; the store decides
            warnings.simplefilter("ignore")
            sparql.setQuery(query)
        form = str(sparql.queryType).upper()
        if form in _UPDATE_FORMS:
            raise UpdateRefused(f"{form} is SPARQL Update; this endpoint is read-only")
        sparql.setMethod(POST)
        sparql.setOnlyConneg(True)
        sparql.timeout = self.timeout  # type: ignore[assignment] # setTimeout() int()s: 0.5 → none
        sparql.addCustomHttpHeader("Accept", accept)
        return sparql, form

    def _send(self, sparql: SPARQLWrapper, dataset: Dataset | None = None) -> tuple[bytes, str]:
        """Run the request on ``dataset``; return the body and its media type.

        ``dataset`` None: the query's own FROM / FROM NAMED graphs, else the published ones.

        :raises StoreError: unreachable, timed out or failed; QueryRejected: the store refused
            the query (the client's to fix). Neither tells the client the store's address or
            words: see server/stores/remote_errors.py.
        """
        if dataset is None:
            dataset = own_dataset(sparql.queryString) or self._published()
        for name, graph in dataset:
            sparql.addParameter(name, graph)
        with store_request("remote", str(sparql.queryType).lower()):
            return self._exchange(sparql)

    def _exchange(self, sparql: SPARQLWrapper) -> tuple[bytes, str]:
        """One HTTP exchange with the store: its answer's body and media type."""
        response = None
        try:
            response = sparql.query().response
            body = bytes(response.read())
            media_type = str(response.headers.get_content_type())
            if media_type == _JSON_RESULTS:
                body = readable_bnodes(body)
        except Exception as exc:  # noqa: BLE001 - every failure is mapped to a status
            error = remote_error(exc, self._address, self.timeout)
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
            raise QuerySyntaxError(f"not {what} query")
        body, media_type = self._send(sparql, dataset)
        try:
            fmt = _answer_format(media_type, RESULT_FORMATS)
            return ox.parse_query_results(body, format=fmt.oxigraph)  # type: ignore[arg-type]
        except (SyntaxError, ValueError) as exc:
            raise self._unreadable(media_type, exc) from exc

    def _unreadable(self, media_type: str, exc: Exception) -> StoreError:
        return failure(self._address, f"answered unreadable {media_type} ({exc})")

    def ask(self, query: str) -> bool:
        result = self._results(query, frozenset({"ASK"}), "an ASK")
        if not isinstance(result, ox.QueryBoolean):
            raise failure(self._address, "did not answer a boolean")
        return bool(result)

    def select(self, query: str) -> list[dict[str, Node]]:
        result = self._results(query, frozenset({"SELECT"}), "a SELECT")
        if not isinstance(result, ox.QuerySolutions):
            raise failure(self._address, "did not answer solutions")
        return solutions_to_rows(result)

    def construct(self, query: str) -> Graph:
        sparql, form = self._prepare(query, _GRAPH_ACCEPT)
        if form not in _GRAPH_FORMS:
            raise QuerySyntaxError("not a CONSTRUCT or DESCRIBE query")
        body, media_type = self._send(sparql)
        try:
            fmt = _answer_format(media_type, RDF_FORMATS)
            return triples_to_graph(ox.parse(body, format=fmt.oxigraph))  # type: ignore[arg-type]
        except (SyntaxError, ValueError) as exc:
            raise self._unreadable(media_type, exc) from exc

    def raw_query(self, query: str, accept: str) -> tuple[bytes, str]:
        """Run any query; the answer is the store's bytes in the media type ``accept``.

        :raises UnsupportedFormat: ``accept`` does not fit the query form.
        :raises StoreError: the store answered in another format.
        :raises NotXmlText: ``accept`` is XML and the answer holds a character XML 1.0
            cannot carry (the store's XML would not be well-formed).
        """
        sparql, form = self._prepare(query, accept)
        graph = form in _GRAPH_FORMS
        fmt = from_media_type(accept, RDF_FORMATS if graph else RESULT_FORMATS)
        if fmt is None or fmt.media_type != accept:
            what = "a graph" if graph else "query results"
            raise UnsupportedFormat(f"{accept} cannot carry {what}")
        body, media_type = self._send(sparql)
        if media_type != accept:
            raise failure(self._address, f"answered {media_type} instead of {accept}")
        return (checked(body) if is_xml(accept) else body), media_type


def _answer_format(media_type: str, among: tuple[Format, ...]) -> Format:
    """The registered format of a store's answer.

    :raises ValueError: the store answered in a media type we cannot read.
    """
    fmt = from_media_type(media_type, among)
    if fmt is None or fmt.media_type != media_type:
        raise ValueError(f"not one of {', '.join(f.media_type for f in among)}")
    return fmt
