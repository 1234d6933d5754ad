"""Read what a store holds, over plain SPARQL, to check what publish left behind."""

from __future__ import annotations

from rdflib.term import Node

from converter.publish import STAGING_PREFIX
from server.store import RemoteStore


def graph_counts(query_url: str) -> dict[str, int]:
    """``{named graph IRI: triples}`` of everything in the store (staging graphs included)."""
    rows = RemoteStore(query_url).select(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    )
    return {str(row["g"]): int(row["n"]) for row in rows}  # type: ignore[call-overload]


def staging_graphs(query_url: str) -> list[str]:
    return [g for g in graph_counts(query_url) if g.startswith(STAGING_PREFIX)]


def quads(query_url: str, graphs: list[str]) -> set[tuple[str, Node, Node, Node]]:
    """Every quad of ``graphs`` (blank nodes as one marker), for before/after comparisons."""
    found = set()
    for graph in graphs:
        rows = RemoteStore(query_url).select(f"SELECT * WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        for row in rows:
            found.add((graph, *(canonical(row[v]) for v in "spo")))
    return found


def canonical(term: Node) -> Node:
    """Blank node labels differ between stores; everything else must be equal."""
    from rdflib import BNode

    return BNode("b") if isinstance(term, BNode) else term


def union_count(query_url: str) -> int:
    row = RemoteStore(query_url).select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]
    return int(row["n"])  # type: ignore[call-overload]
