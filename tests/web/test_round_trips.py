"""Issue 22: a page asks the store once or twice, on the embedded store and a remote one.

A counting wrapper around the store (tests/support/counting.py) counts the requests each page
sends on a cache miss (the response cache is off). The bounds: a KPI or project page at most
3, the landing page and the lists at most 2; every other page at most 3. Labels come with a
page's own answer: no page sends a query for labels alone (before this restructuring a KPI
page sent 8 requests, 4 of them for labels).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from server.app import create_app
from tests.support.counting import CountingStore

KPI_AND_PROJECT = ["/id/kpi/2", "/id/kpi/3", "/id/project/fy2023/8", "/id/project/fy2024/7"]
LANDING_AND_LISTS = ["/", "/plan", "/projects", "/kpis"]
OTHERS = [
    "/id/plan/I-1",
    "/id/org/somu-bu",
    "/id/report/fy2023",
    "/id/value/fy2023/kpi-3/target-fy2025",
    "/dashboard",
    "/dashboard?eval=Achieved&sort=progress",
    "/dashboard.json",
    "/dashboard/kpi/3/embed",
    "/changes",
    "/changes.atom",
    "/catalog",
    "/.well-known/void",
    "/search?q=%E7%A0%94%E4%BF%AE",
]
BOUNDS = {**dict.fromkeys(KPI_AND_PROJECT, 3), **dict.fromkeys(LANDING_AND_LISTS, 2)}
#: A query for labels alone (server/web/common/labels.py, label_query).
LABELS_ALONE = "SELECT ?s ?p ?l WHERE { VALUES ?s"


@pytest.fixture(params=["local", "remote"])
def counted(request: pytest.FixtureRequest, two_dist: Path) -> tuple[CountingStore, FlaskClient]:
    inner = request.getfixturevalue(f"two_{request.param}_store")
    store = CountingStore(inner)
    config = {"TESTING": True, "DIST_DIR": str(two_dist), "RESPONSE_CACHE_MB": 0}
    return store, create_app(config, store=store).test_client()


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("path", KPI_AND_PROJECT + LANDING_AND_LISTS + OTHERS)
def test_a_page_asks_the_store_once_or_twice(
    counted: tuple[CountingStore, FlaskClient], path: str, lang: str
) -> None:
    store, client = counted
    client.get("/search.json?q=warm")  # the search index is built once per process
    store.reset()
    answer = client.get(path, headers={"Accept": "text/html", "Accept-Language": lang})
    assert answer.status_code == 200
    assert store.round_trips <= BOUNDS.get(path, 3), store.queries
    assert not any(LABELS_ALONE in q for q in store.queries), store.queries


def test_the_rdf_of_a_resource_is_one_query(counted: tuple[CountingStore, FlaskClient]) -> None:
    store, client = counted
    for path in KPI_AND_PROJECT:
        store.reset()
        assert client.get(path, headers={"Accept": "text/turtle"}).status_code == 200
        assert store.round_trips == 1, store.queries


def test_an_unknown_resource_costs_one_query(counted: tuple[CountingStore, FlaskClient]) -> None:
    store, client = counted
    store.reset()
    assert client.get("/id/kpi/999", headers={"Accept": "text/html"}).status_code == 404
    assert store.round_trips == 1, store.queries


def test_the_counter_counts() -> None:
    """The wrapper sees every kind of call (a test of the test's instrument)."""
    from rdflib import Graph

    class Fake:
        def ask(self, query: str) -> bool:
            return True

        def select(self, query: str) -> list[dict[str, object]]:
            return []

        def construct(self, query: str) -> Graph:
            return Graph()

    store = CountingStore(Fake())  # type: ignore[arg-type]
    store.ask("ASK {}")
    store.select("SELECT * {}")
    store.construct("CONSTRUCT {} WHERE {}")
    assert store.round_trips == 3 and len(store.queries) == 3
