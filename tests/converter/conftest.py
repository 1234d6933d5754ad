from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph


@pytest.fixture(scope="session")
def data_graph(dist_dir: Path) -> Graph:
    return Graph().parse(dist_dir / "download" / "dx-kpi.nt", format="nt")


@pytest.fixture(scope="session")
def oxi(dist_dir: Path) -> ox.Store:
    """Data + catalog + ontology in one default graph, for SPARQL assertions."""
    store = ox.Store()
    for name in ("dx-kpi.nt", "catalog.ttl", "ontology.ttl"):
        store.bulk_load(path=str(dist_dir / "download" / name))
    return store


def select(store: ox.Store, query: str) -> list[dict[str, str]]:
    prefixes = """
PREFIX dx: <https://data.pref.fukushima.lg.jp/dx/ontology#>
BASE <https://data.pref.fukushima.lg.jp/dx/id/>
PREFIX schema: <http://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX unit: <http://qudt.org/vocab/unit/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX time: <http://www.w3.org/2006/time#>
"""
    result = store.query(prefixes + query)
    names = [v.value for v in result.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in result]


@pytest.fixture(scope="session")
def two_editions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """FY2023 (real) + the fictional FY2024 of tests/fixtures/fy2024, built once."""
    from tests.fixtures.fy2024 import build_two_editions

    out = tmp_path_factory.mktemp("two-editions")
    build_two_editions(out)
    return out
