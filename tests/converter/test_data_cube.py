"""The W3C Data Cube integrity constraints, run by path from ../shared/conformance."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from tests.conftest import CONFORMANCE

CUBE = CONFORMANCE / "w3c-vocab-data-cube"
ICS = (
    sorted(
        p.name
        for p in CUBE.glob("ic-*.rq")
        if "-template" not in p.name and "-instantiation" not in p.name
    )
    if CUBE.is_dir()
    else []
)


@pytest.fixture(scope="module")
def normalized(dist_dir: Path) -> ox.Store:
    store = ox.Store()
    for name in ("dx-kpi.nt", "ontology.ttl"):
        store.bulk_load(path=str(dist_dir / "download" / name))
    prefixes = (CUBE / "prefixes.rq").read_text("utf-8")
    for phase in ("normalize-phase-1.ru", "normalize-phase-2.ru"):
        store.update(prefixes + (CUBE / phase).read_text("utf-8"))
    return store


def test_conformance_data_is_present() -> None:
    assert len(ICS) >= 19, f"Data Cube ICs not found under {CUBE}"


@pytest.mark.parametrize("name", ICS)
def test_integrity_constraint_holds(normalized: ox.Store, name: str) -> None:
    prefixes = (CUBE / "prefixes.rq").read_text("utf-8")
    violated = normalized.query(prefixes + (CUBE / name).read_text("utf-8"))
    assert not bool(violated), f"{name} is violated"


def test_observations_exist(normalized: ox.Store) -> None:
    count = normalized.query(
        "SELECT (COUNT(*) AS ?n) WHERE { ?o a <http://purl.org/linked-data/cube#Observation> }"
    )
    assert int(next(iter(count))["n"].value) == 19 * 6 - 5  # five cells print "-"
