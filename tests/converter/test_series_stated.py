"""The series stated completely wherever it is stated (issue 22), and one package for portals.

DCAT-AP 3 gives ``dcat:inSeries`` the range ``dcat:DatasetSeries``: a client that reads one
graph (``/catalog``, ``/graph/series``, a dump) must find the series typed there. The gate
runs ``dxsh:InSeries-series`` on every named graph alone (``dxsh:eachGraph``), since the
union of the graphs can hide a graph that leaves the type to another one. And ``/catalog``
keeps exactly one ``dcat:Dataset``, so that ckanext-dcat's harvester makes one package.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from converter import build as build_module
from converter.build import build
from converter.contract import Manifest
from converter.errors import ValidationFailed
from converter.validate import each_graph_shapes, load_shapes, validate_each
from converter.vocab import DCAT3 as DCAT
from converter.vocab import DXSH
from tests.fixtures.fy2024 import FIXTURE_PUBLICATION

B = "https://data.pref.fukushima.lg.jp/dx/"
SERIES = URIRef(B + "id/dataset/dx-kpi")
DUMPS = {"dx-kpi.nt": "nt", "dx-kpi.ttl": "turtle", "dx-kpi.jsonld": "json-ld", "dx-kpi.rdf": "xml"}
CATALOGS = {"catalog.ttl": "turtle", "catalog.jsonld": "json-ld", "catalog.rdf": "xml"}


def _graphs(dist: Path) -> dict[str, Graph]:
    """Each named graph and each download in RDF, by name: what a client may read alone."""
    found = {
        entry.iri: Graph().parse(dist / entry.path, format="nt")
        for entry in Manifest.read(dist).graphs
    }
    for name, fmt in {**DUMPS, **CATALOGS}.items():
        found[name] = Graph().parse(dist / "download" / name, format=fmt)
    return found


def untyped_series(graph: Graph) -> list[str]:
    """Objects of ``dcat:inSeries`` the graph itself does not type ``dcat:DatasetSeries``."""
    return sorted(
        str(o)
        for o in set(graph.objects(None, DCAT.inSeries))
        if (o, RDF.type, DCAT.DatasetSeries) not in graph
    )


@pytest.mark.parametrize("build_name", ["dist_dir", "two_editions"])
def test_every_graph_that_states_in_series_types_the_series(
    build_name: str, request: pytest.FixtureRequest
) -> None:
    graphs = _graphs(request.getfixturevalue(build_name))
    stating = [name for name, graph in graphs.items() if (None, DCAT.inSeries, None) in graph]
    assert B + "graph/series" in stating
    assert {name: untyped_series(graphs[name]) for name in stating} == {n: [] for n in stating}


def test_the_shape_is_run_on_each_graph() -> None:
    assert each_graph_shapes(load_shapes()) == [DXSH["InSeries-series"]]


def _type_moved_to_the_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    """A regression the union hides: the series type stated in the catalog graph only."""
    series_graph, catalog_graph = build_module.series_graph, build_module.catalog_graph

    def series_without_type(*args: Any, **kwargs: Any) -> Graph:
        graph = series_graph(*args, **kwargs)
        graph.remove((SERIES, RDF.type, DCAT.DatasetSeries))
        return graph

    def catalog_with_type(*args: Any, **kwargs: Any) -> Graph:
        graph = catalog_graph(*args, **kwargs)
        graph.add((SERIES, RDF.type, DCAT.DatasetSeries))
        return graph

    monkeypatch.setattr(build_module, "series_graph", series_without_type)
    monkeypatch.setattr(build_module, "catalog_graph", catalog_with_type)


def test_the_gate_refuses_a_graph_that_leaves_the_series_untyped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _type_moved_to_the_catalog(monkeypatch)
    with pytest.raises(ValidationFailed) as refused:
        build(FIXTURE_PUBLICATION, tmp_path / "dist", allow_removals=True)
    text = refused.value.report_text
    assert f"{B}id/dataset/dx-kpi (graph series)" in text
    assert "also types the series as a dcat:DatasetSeries, in the same graph" in text
    assert refused.value.violations == 1  # the union alone is fine: only this graph fails
    assert not (tmp_path / "dist").exists()


def test_the_union_alone_would_not_see_it(two_editions: Path) -> None:
    """Control case: why the shape runs per graph. On the union of the two graphs the same
    shape holds; graph by graph, the series graph fails it."""
    series = Graph().parse(two_editions / "graphs" / "series.nt", format="nt")
    catalog = Graph().parse(two_editions / "graphs" / "catalog.nt", format="nt")
    series.remove((SERIES, RDF.type, DCAT.DatasetSeries))
    catalog.add((SERIES, RDF.type, DCAT.DatasetSeries))
    shapes = load_shapes()
    assert validate_each({"union": series + catalog}, shapes).conforms
    alone = validate_each({"series": series, "catalog": catalog}, shapes)
    assert [(f.graph, f.focus) for f in alone.violations] == [("series", str(SERIES))]


# ---- one package for portals (ckanext-dcat's RDF parser, as its harvester runs it) ----


def _harvest(body: bytes, media_type: str, profiles: list[str]) -> list[dict[str, Any]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # ckan's own imports
        pytest.importorskip("ckanext.dcat")
        from ckanext.dcat.processors import RDFParser

        parser = RDFParser(profiles=profiles)
        parser.parse(body, _format=media_type)
        return list(parser.datasets())


PROFILES = [["euro_dcat_ap_3"], ["euro_dcat_ap_2"], ["euro_dcat_ap_3", "euro_dcat_ap_scheming"]]
MEDIA = {"turtle": "text/turtle", "json-ld": "application/ld+json", "xml": "application/rdf+xml"}


@pytest.mark.parametrize("profiles", PROFILES, ids="+".join)
@pytest.mark.parametrize("name", sorted(CATALOGS))
def test_a_portal_harvesting_the_catalog_creates_exactly_one_package(
    two_editions: Path, name: str, profiles: list[str]
) -> None:
    body = (two_editions / "download" / name).read_bytes()
    packages = _harvest(body, MEDIA[CATALOGS[name]], profiles)
    assert len(packages) == 1, [p.get("uri") for p in packages]
    (package,) = packages
    extras = {e["key"]: e["value"] for e in package.get("extras", [])}
    assert package.get("uri", extras.get("uri")) == str(SERIES)
    resources = {r["url"].rsplit("/", 1)[1] for r in package["resources"]}
    assert {"dx-kpi-fy2023.csv", "dx-kpi-fy2024.csv", "dx-kpi.ttl"} <= resources


def test_the_series_facts_in_the_catalog_would_make_three_packages(two_editions: Path) -> None:
    """Control case: why the editions stay out of ``/catalog`` (the harvester makes a
    package of every ``dcat:Dataset``)."""
    union = Graph().parse(two_editions / "download" / "catalog.ttl", format="turtle")
    union.parse(two_editions / "graphs" / "series.nt", format="nt")
    packages = _harvest(union.serialize(format="turtle").encode(), "text/turtle", PROFILES[0])
    assert len(packages) == 3
