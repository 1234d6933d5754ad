"""One named-graph query (issue 22): written once in converter/queries.py, for the converter
and the server, and it reads back exactly the graph file the build wrote."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from converter.contract import Manifest
from converter.queries import graph_count_query, named_graph_query
from tests.conftest import ROOT

# The CONSTRUCT of one named graph, spaces and (f-string) braces aside.
_WRITTEN_OUT = re.compile(r"CONSTRUCT\?s\?p\?oWHEREGRAPH", re.IGNORECASE)


def written_out(text: str) -> bool:
    return bool(_WRITTEN_OUT.search(re.sub(r"[\s{}]", "", text)))


def test_the_query_reads_exactly_each_graph_file(dist_dir: Path) -> None:
    store = ox.Store()
    graphs = Manifest.read(dist_dir).graphs
    for graph in graphs:
        path, name = str(dist_dir / graph.path), ox.NamedNode(graph.iri)
        store.load(path=path, format=ox.RdfFormat.N_TRIPLES, to_graph=name)
    for graph in graphs:
        parsed = ox.parse(path=str(dist_dir / graph.path), format=ox.RdfFormat.N_TRIPLES)
        expected = {quad.triple for quad in parsed}
        assert set(store.query(named_graph_query(graph.iri))) == expected, graph.iri
        (row,) = store.query(graph_count_query(graph.iri))
        assert int(row["n"].value) == graph.triples == len(expected), graph.iri


def test_the_query_text() -> None:
    assert named_graph_query("https://example.org/graph/catalog") == (
        "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <https://example.org/graph/catalog> { ?s ?p ?o } }"
    )


@pytest.mark.parametrize(
    "iri",
    [
        "https://example.org/g> } } DROP ALL #",
        "https://example.org/a b",
        "graph/catalog",  # relative
        "",
    ],
)
def test_an_iri_that_could_end_the_brackets_is_refused(iri: str) -> None:
    with pytest.raises(ValueError, match="not an absolute IRI"):
        named_graph_query(iri)
    with pytest.raises(ValueError, match="not an absolute IRI"):
        graph_count_query(iri)


def test_the_converter_the_server_and_the_tests_write_it_once() -> None:
    """Only converter/queries.py writes the CONSTRUCT out; the server reads every whole
    graph through server/web/common/publication.py's ``named_graph``, over it."""
    found = [
        str(path.relative_to(ROOT))
        for folder in ("converter", "server", "tests", "bench")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "node_modules" not in path.parts and written_out(path.read_text("utf-8"))
    ]
    found.remove("converter/queries.py")  # the one place
    found.remove("tests/converter/test_queries.py")  # its text, checked above
    assert found == [], found
    assert written_out(named_graph_query("https://example.org/g"))
