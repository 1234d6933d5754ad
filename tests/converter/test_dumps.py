"""The dumps hold what the store serves (issue 22): the editions, the series and the changes.

``download/dx-kpi.{nt,ttl,jsonld,rdf}`` is the data: every named graph but the catalog and
the ontology, which are downloads of their own (``catalog.*``, ``ontology.ttl``). Together
the three hold every triple the store serves, each once; the catalog's VoID
(``void:triples``, ``void:dataDump``) and the manifest (``triples``) count the dumps.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import VOID

from converter.contract import Manifest

B = "https://data.pref.fukushima.lg.jp/dx/"
Triple = tuple[str, str, str]
FORMATS = {
    "dx-kpi.nt": ox.RdfFormat.N_TRIPLES,
    "dx-kpi.ttl": ox.RdfFormat.TURTLE,
    "dx-kpi.jsonld": ox.RdfFormat.JSON_LD,
    "dx-kpi.rdf": ox.RdfFormat.RDF_XML,
}
OWN_DOWNLOADS = {"catalog": "catalog.ttl", "ontology": "ontology.ttl"}


def triples(path: Path, fmt: ox.RdfFormat) -> set[Triple]:
    """The triples of a file as N-Triples terms, lexical forms as written."""
    return {
        (str(q.subject), str(q.predicate), str(q.object)) for q in ox.parse(path=path, format=fmt)
    }


@pytest.fixture(params=["dist_dir", "two_editions"])
def dist(request: pytest.FixtureRequest) -> Path:
    return Path(request.getfixturevalue(request.param))


def test_the_dumps_hold_every_graph_but_the_catalog_and_the_ontology(dist: Path) -> None:
    manifest = Manifest.read(dist)
    graphs = {
        entry.iri.removeprefix(B + "graph/"): triples(dist / entry.path, ox.RdfFormat.N_TRIPLES)
        for entry in manifest.graphs
    }
    assert "series" in graphs and ("changes" in graphs) == (len(manifest.editions) > 1)
    data = set().union(*(t for name, t in graphs.items() if name not in OWN_DOWNLOADS))
    for name, fmt in FORMATS.items():
        assert triples(dist / "download" / name, fmt) == data, name
    # The dumps, the catalog and the ontology: everything the store serves, each triple once.
    own = {
        name: triples(dist / "download" / file, ox.RdfFormat.TURTLE)
        for name, file in OWN_DOWNLOADS.items()
    }
    assert own == {name: graphs[name] for name in OWN_DOWNLOADS}
    served = set().union(*graphs.values())
    assert data | own["catalog"] | own["ontology"] == served
    assert len(data) + len(own["catalog"]) + len(own["ontology"]) == len(served)


def test_the_series_and_the_changes_are_in_the_dump(two_editions: Path) -> None:
    dump = triples(two_editions / "download" / "dx-kpi.nt", ox.RdfFormat.N_TRIPLES)
    subjects = {s for s, _, _ in dump}
    for path in ("id/dataset/dx-kpi", "id/dataset/dx-kpi/fy2024", "id/dataset/dx-kpi/latest"):
        assert f"<{B}{path}>" in subjects, path
    assert f"<{B}id/change/fy2024/1>" in subjects and f"<{B}id/change/fy2024/24>" in subjects


def test_void_and_the_manifest_count_the_dump(dist: Path) -> None:
    dump = (dist / "download" / "dx-kpi.nt").read_bytes().count(b"\n")
    catalog = Graph().parse(dist / "graphs" / "catalog.nt", format="nt")
    dataset = URIRef(B + "id/dataset/dx-kpi")
    assert list(catalog.objects(dataset, VOID.triples)) == [Literal(dump)]
    dumps = {str(o) for o in catalog.objects(dataset, VOID.dataDump)}
    assert dumps == {f"{B}download/{name}" for name in FORMATS}
    assert Manifest.read(dist).triples == dump
