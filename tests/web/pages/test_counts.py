"""The counts a client is told are the counts it gets.

The default graph is the union of the named graphs, and a store counts that union as a
multiset: a triple stated in two graphs is two rows of ``COUNT(*)`` but one of ``DISTINCT``.
The build keeps the graphs disjoint, so ``COUNT(*)``, ``COUNT(DISTINCT …)``, the service
description's ``void:triples`` and the manifest agree. Runs on both stores.
"""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient
from rdflib import Graph, Literal
from rdflib.namespace import RDF, VOID

from converter.contract import Manifest
from converter.vocab import SD

JSON = {"Accept": "application/sparql-results+json"}


def count(client: FlaskClient, query: str) -> int:
    response = client.get("/sparql", query_string={"query": query}, headers=JSON)
    assert response.status_code == 200, response.data[:300]
    [row] = response.get_json()["results"]["bindings"]
    return int(row["n"]["value"])


def described_default_graph(client: FlaskClient) -> int:
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.data, format="turtle")
    [dataset] = graph.subjects(RDF.type, SD.Dataset)
    default = graph.value(dataset, SD.defaultGraph)
    triples = graph.value(default, VOID.triples)
    assert isinstance(triples, Literal)
    return int(triples)


def test_default_graph_counts_agree(client: FlaskClient, dist_dir: Path) -> None:
    everything = count(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    distinct = count(
        client,
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }",
    )
    described = described_default_graph(client)
    manifest = Manifest.read(dist_dir)
    assert everything == distinct == described == sum(g.triples for g in manifest.graphs)


def test_each_named_graph_has_its_manifest_count(client: FlaskClient, dist_dir: Path) -> None:
    for graph in Manifest.read(dist_dir).graphs:
        query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph.iri}> {{ ?s ?p ?o }} }}"
        assert count(client, query) == graph.triples, graph.iri


def test_void_counts_the_data_dump(client: FlaskClient, dist_dir: Path) -> None:
    """VoID describes the dataset, i.e. the data dump (every graph but the catalog and the
    ontology: the editions, the series, the changes), not the endpoint."""
    response = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=response.data, format="turtle")
    counts = {int(o) for o in graph.objects(None, VOID.triples) if isinstance(o, Literal)}
    dump = (dist_dir / "download" / "dx-kpi.nt").read_bytes().count(b"\n")
    manifest = Manifest.read(dist_dir)
    own = {f"{manifest.base_iri}graph/catalog", f"{manifest.base_iri}graph/ontology"}
    data = sum(g.triples for g in manifest.graphs if g.iri not in own)
    assert counts == {dump} == {data} == {manifest.triples}
