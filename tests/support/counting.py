"""A store that counts its round trips: each ask, select, construct or raw_query is one
request to the store (an HTTP exchange on a remote one), and so is ``graphs()`` when the
store has to ask for the list (the wrapped store's own cache decides; counted as called)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rdflib import Graph
from rdflib.term import Node

from server.stores.base import Executor, QueryLimits, Store


class CountingStore:
    """Wraps a :class:`~server.stores.base.Store`; ``calls`` counts each kind of call and
    ``queries`` keeps their texts, in order, for a readable failure."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()
        self.queries: list[str] = []

    @property
    def round_trips(self) -> int:
        return sum(n for kind, n in self.calls.items() if kind != "graphs")

    def reset(self) -> None:
        self.calls.clear()
        self.queries.clear()

    def _count(self, kind: str, query: str = "") -> None:
        self.calls[kind] += 1
        self.queries.append(f"{kind}: {' '.join(query.split())[:300]}")

    def ask(self, query: str) -> bool:
        self._count("ask", query)
        return self.inner.ask(query)

    def construct(self, query: str) -> Graph:
        self._count("construct", query)
        return self.inner.construct(query)

    def select(self, query: str) -> list[dict[str, Node]]:
        self._count("select", query)
        return self.inner.select(query)

    def raw_query(self, query: str, accept: str) -> tuple[bytes, str]:
        self._count("raw_query", query)
        return self.inner.raw_query(query, accept)

    def graphs(self) -> dict[str, int]:
        self.calls["graphs"] += 1
        return self.inner.graphs()

    def executor(self, limits: QueryLimits) -> Executor:
        return self.inner.executor(limits)

    def data_version(self) -> str | None:
        return self.inner.data_version()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
