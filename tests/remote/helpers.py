"""Read what a store holds, over plain SPARQL, to check what publish left behind.

``raw_select`` sends no dataset parameters, so it sees every graph of the store, staging
graphs included; ``RemoteStore`` (what the server reads through) sees the published graphs.
"""

from __future__ import annotations

import urllib.parse
import urllib.request
from typing import Protocol

import pyoxigraph as ox
from rdflib import BNode
from rdflib.term import Node

from converter.contract import PUBLISHED_GRAPH, REGISTER_GRAPH, STAGING_PREFIX
from server.stores.remote import RemoteStore
from server.stores.remote_answers import readable_bnodes
from server.stores.terms import to_rdflib


class Store(Protocol):
    """A store to read: its query URL and the graphs it holds of its own (not ours)."""

    @property
    def query_url(self) -> str: ...

    @property
    def system_graphs(self) -> frozenset[str]: ...


def raw_select(query_url: str, query: str) -> list[dict[str, Node]]:
    """``query`` on the store's own dataset (no ``default-graph-uri`` / ``named-graph-uri``)."""
    request = urllib.request.Request(
        query_url,
        data=urllib.parse.urlencode({"query": query}).encode(),
        headers={"Accept": "application/sparql-results+json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        results = ox.parse_query_results(
            readable_bnodes(response.read()), format=ox.QueryResultsFormat.JSON
        )
    assert isinstance(results, ox.QuerySolutions)
    names = [v.value for v in results.variables]
    return [{n: to_rdflib(s[n]) for n in names if s[n] is not None} for s in results]


def graph_counts(store: Store | str) -> dict[str, int]:
    """``{named graph IRI: triples}`` of the store (staging graphs included; not the register,
    nor the store's own system graphs)."""
    query_url, own = (
        (store, frozenset())
        if isinstance(store, str)
        else (
            store.query_url,
            store.system_graphs,
        )
    )
    rows = raw_select(
        query_url, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    )
    counts = {str(row["g"]): int(row["n"]) for row in rows}  # type: ignore[call-overload]
    return {g: n for g, n in counts.items() if g != REGISTER_GRAPH and g not in own}


def registered(query_url: str) -> set[str]:
    """The graphs the publication register marks live."""
    query = f"SELECT ?g WHERE {{ GRAPH <{REGISTER_GRAPH}> {{ ?g a <{PUBLISHED_GRAPH}> }} }}"
    return {str(row["g"]) for row in raw_select(query_url, query)}


def staging_graphs(store: Store | str) -> list[str]:
    return [g for g in graph_counts(store) if g.startswith(STAGING_PREFIX)]


def quads(query_url: str, graphs: list[str]) -> set[tuple[str, Node, Node, Node]]:
    """Every quad of ``graphs`` (blank nodes as one marker), for before/after comparisons."""
    found = set()
    for graph in graphs:
        for row in raw_select(query_url, f"SELECT * WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"):
            found.add((graph, *(canonical(row[v]) for v in "spo")))
    return found


def canonical(term: Node) -> Node:
    """Blank node labels differ between stores; everything else must be equal."""
    return BNode("b") if isinstance(term, BNode) else term


def union_count(query_url: str) -> int:
    """Triples a reader (the server's RemoteStore) sees in the default graph."""
    row = RemoteStore(query_url).select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]
    return int(row["n"])  # type: ignore[call-overload]
