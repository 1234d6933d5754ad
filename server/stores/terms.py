"""pyoxigraph terms → rdflib terms, the one conversion both stores use (equal terms everywhere)."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    """Convert a pyoxigraph term to the equal rdflib term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    if datatype == XSD_STRING:
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(datatype))


def solutions_to_rows(result: ox.QuerySolutions) -> list[dict[str, Node]]:
    """SELECT solutions as ``{variable: rdflib term}`` rows (unbound variables left out)."""
    names = [v.value for v in result.variables]
    return [
        {name: to_rdflib(solution[name]) for name in names if solution[name] is not None}
        for solution in result
    ]


def triples_to_graph(triples: object) -> Graph:
    """An rdflib graph of pyoxigraph triples or quads (the graph name is dropped)."""
    graph = Graph()
    for t in triples:  # type: ignore[attr-defined]
        graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    return graph
