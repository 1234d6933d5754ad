"""SPARQL over one named graph of a build, written once for the converter and the server.

The publisher counts a graph it uploaded (:func:`graph_count_query`); the server reads a
whole graph (the catalog, the ontology, the changes, ``/graph/…``) with
:func:`named_graph_query`. Both go through :func:`graph_pattern`, which refuses an IRI that
could end the ``<…>`` and write SPARQL of its own.
"""

from __future__ import annotations

from converter.contract import IRI


def graph_pattern(graph: str) -> str:
    """``GRAPH <graph> { ?s ?p ?o }``: every triple of the named graph ``graph``.

    :raises ValueError: ``graph`` is not an absolute IRI that can stand inside ``<…>``.
    """
    if not IRI.match(graph):
        raise ValueError(f"not an absolute IRI, cannot name a graph in SPARQL: {graph!r}")
    return f"GRAPH <{graph}> {{ ?s ?p ?o }}"


def named_graph_query(graph: str) -> str:
    """The CONSTRUCT of the named graph ``graph``: its triples, in the default graph.

    :raises ValueError: ``graph`` is not an absolute IRI (:func:`graph_pattern`).
    """
    return f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {graph_pattern(graph)} }}"


def graph_count_query(graph: str) -> str:
    """A SELECT of ``?n``, the number of triples in the named graph ``graph``.

    :raises ValueError: ``graph`` is not an absolute IRI (:func:`graph_pattern`).
    """
    return f"SELECT (COUNT(*) AS ?n) WHERE {{ {graph_pattern(graph)} }}"
