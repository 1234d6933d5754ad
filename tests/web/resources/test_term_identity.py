"""One term everywhere: every triple of every dump is what ``/sparql`` answers, term for term.

Oxigraph keeps literals in their canonical form ("10"^^xsd:decimal, never "10.0"); a dump
that wrote another lexical form would hold a *different* RDF term for the same value, and a
query over a dump and the endpoint together would count it twice. Files are read with
pyoxigraph's parser, which keeps the lexical form as written (rdflib's does not). Runs on
both stores; tests/converter/test_terms.py checks the other formats of each dump.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient

from converter.contract import Manifest
from converter.queries import named_graph_query

Triple = tuple[str, str, str]
N_TRIPLES = "application/n-triples"


def triples(data: bytes, fmt: ox.RdfFormat = ox.RdfFormat.N_TRIPLES) -> set[Triple]:
    """The triples of ``data`` as N-Triples terms, lexical forms as written."""
    found = set()
    for t in ox.parse(data, format=fmt):
        for term in (t.subject, t.object):
            assert not isinstance(term, ox.BlankNode), "compare blank nodes by isomorphism"
        found.add((str(t.subject), str(t.predicate), str(t.object)))
    return found


def answer(client: FlaskClient, graph: str) -> set[Triple]:
    query = named_graph_query(graph)
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": N_TRIPLES})
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == N_TRIPLES
    assert "X-SPARQL-Truncated" not in response.headers
    return triples(response.data)


def differences(dumped: set[Triple], answered: set[Triple]) -> str:
    only_dump = sorted(dumped - answered)[:3]
    only_answer = sorted(answered - dumped)[:3]
    return f"only in the dump: {only_dump}; only in the answer: {only_answer}"


@pytest.fixture(scope="module")
def manifest(dist_dir: Path) -> Manifest:
    return Manifest.read(dist_dir)


def test_every_graph_is_answered_term_for_term(
    client: FlaskClient, dist_dir: Path, manifest: Manifest
) -> None:
    assert manifest.graphs
    for graph in manifest.graphs:
        dumped = triples((dist_dir / graph.path).read_bytes())
        assert len(dumped) == graph.triples, graph.iri
        answered = answer(client, graph.iri)
        assert answered == dumped, f"{graph.iri}: {differences(dumped, answered)}"


def test_data_dump_is_the_union_of_the_data_graphs(dist_dir: Path, manifest: Manifest) -> None:
    """The dumps hold every graph but the catalog and the ontology (downloads of their own):
    the editions and the series of editions (and, with two editions, the changes)."""
    own = {f"{manifest.base_iri}graph/catalog", f"{manifest.base_iri}graph/ontology"}
    union: set[Triple] = set()
    for graph in manifest.graphs:
        if graph.iri not in own:
            union |= triples((dist_dir / graph.path).read_bytes())
    assert union == triples((dist_dir / "download" / "dx-kpi.nt").read_bytes())
    editions = {f"{manifest.base_iri}graph/fy{year}" for year in manifest.editions}
    assert {g.iri for g in manifest.graphs} - editions - own == {
        f"{manifest.base_iri}graph/series",
    }
