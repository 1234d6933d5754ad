"""The one interface every view reads data through, and how ``/sparql`` runs on it.

Pages, downloads and the catalog only call ``ask``, ``construct``, ``select`` and ``graphs``,
so the same server runs on the embedded Oxigraph store or on any remote SPARQL 1.1 endpoint
(trifid's approach: a renderer that needs nothing but SPARQL). The endpoint asks the store
for its :class:`Executor`: how a query is bounded in time depends on the engine, so the store
supplies it and nothing switches on the store's type.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

from rdflib import Graph
from rdflib.term import Node

from server.stores.results import Answer
from server.syntax import QueryInfo


@dataclass(frozen=True)
class QueryLimits:
    """What one ``/sparql`` query may cost (the ``sparql_*`` settings of server/config.py)."""

    timeout: float = 10.0  #: seconds per query, from its request's arrival
    max_rows: int = 10_000  #: rows or triples kept; the rest is cut off
    workers: int = 2  #: query processes per server process (embedded store)
    worker_memory_mb: int = 2048  #: address-space cap of a query process; 0 = none
    cache_size: int = 256  #: answers kept in memory (a remote store: per build digest); 0 = none
    #: queries in flight per server process, waiting for a worker included; more get 503
    #: at once, so that queries never hold every request thread and pages keep answering
    concurrency: int = 56
    base_iri: str = ""  #: resolves relative IRIs in queries (the endpoint's IRI)


@dataclass(frozen=True)
class QueryRequest:
    """One accepted query, with what the guard learned and the answer's media type."""

    query: str
    info: QueryInfo
    media_type: str
    default_graphs: tuple[str, ...] | None = None  #: protocol ``default-graph-uri``
    named_graphs: tuple[str, ...] | None = None  #: protocol ``named-graph-uri``
    #: ``time.monotonic()`` by which the answer is due (the request's arrival + the time
    #: limit); None: the limit counts from the executor's start
    deadline: float | None = None

    def remaining(self, timeout: float) -> float:
        """Seconds left until the deadline (``timeout`` when there is none), at least 0."""
        if self.deadline is None:
            return timeout
        return max(0.0, self.deadline - time.monotonic())

    @property
    def has_protocol_dataset(self) -> bool:
        return self.default_graphs is not None or self.named_graphs is not None


class Executor(Protocol):
    """Runs ``/sparql`` queries within the limits and serializes their answers."""

    def execute(self, request: QueryRequest) -> Answer: ...

    def close(self) -> None: ...


class Store(Protocol):
    """Read access to the published data (the default graph is the union of its graphs)."""

    def ask(self, query: str) -> bool: ...

    def construct(self, query: str) -> Graph: ...

    def select(self, query: str) -> list[dict[str, Node]]: ...

    def raw_query(self, query: str, accept: str) -> tuple[bytes, str]: ...

    def graphs(self) -> dict[str, int]:
        """``{graph IRI: triples}`` of the published graphs."""
        ...

    def executor(self, limits: QueryLimits) -> Executor:
        """How this store runs ``/sparql`` queries within ``limits``."""
        ...

    def data_version(self) -> str | None:
        """A digest of the data served, or None when it may change while the server runs.

        With a version, every answer can be cached for as long as the server runs.
        """
        ...
