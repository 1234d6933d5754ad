"""Readers never see staging graphs: during a publish, after a crash, on any default graph.

Every test runs on ``oxigraph serve`` without and with ``--union-default-graph`` and on
Virtuoso (``any_store``): RemoteStore names the published graphs in each query
(``default-graph-uri`` / ``named-graph-uri``), so the store's own default graph must not matter.
"""

from __future__ import annotations

import time

import pytest

from converter.contract import STAGING_PREFIX
from converter.store_client import StoreClient
from server.app import create_app
from server.config import Settings
from server.stores.factory import store_from_settings
from server.stores.remote import RemoteStore
from tests.remote.conftest import TripleStore
from tests.remote.helpers import graph_counts, raw_select, registered, staging_graphs
from tests.support.fakedist import DX, B, write_dist

pytestmark = pytest.mark.remote
EDITION, CATALOG, ONTOLOGY = f"{B}graph/fy2023", f"{B}graph/catalog", f"{B}graph/ontology"
GRAPHS = {CATALOG, EDITION, ONTOLOGY}
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
NAMED = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
VALUES = f"SELECT ?v WHERE {{ ?cell <{DX}value> ?v }}"


def seen(store: RemoteStore) -> tuple[int, list[str], set[str]]:
    """What a reader sees: default graph size, values, named graphs."""
    count = int(store.select(COUNT)[0]["n"])  # type: ignore[call-overload]
    values = sorted(str(row["v"]) for row in store.select(VALUES))
    return count, values, {str(row["g"]) for row in store.select(NAMED)}


PREVIOUS = (19, ["100"], GRAPHS)  # the fake v1 build, as a reader sees it


def test_readers_see_the_previous_edition_while_a_publish_runs(
    any_store, tmp_path, monkeypatch
) -> None:
    any_store.publish(write_dist(tmp_path / "v1", value="100.0"))
    reader = RemoteStore(any_store.query_url, graphs_ttl=0)  # re-reads the register always
    assert seen(reader) == PREVIOUS
    during: list[object] = []
    switch = StoreClient.switch

    def pause_before_switch(self: StoreClient, staging: dict[str, str], digest: str) -> None:
        during.append(sorted(staging_graphs(any_store)))
        during.append(seen(reader))  # every new graph is uploaded and verified, not switched
        switch(self, staging, digest)

    monkeypatch.setattr(StoreClient, "switch", pause_before_switch)
    any_store.publish(write_dist(tmp_path / "v2", value="95.5", years=(2023, 2024)))

    assert len(during[0]) == 4  # type: ignore[arg-type] # fy2023, fy2024, catalog, ontology
    assert during[1] == PREVIOUS
    assert seen(reader) == (34, ["95.5", "95.5"], GRAPHS | {f"{B}graph/fy2024"})


def test_a_crash_before_the_switch_leaves_the_previous_edition_served(any_store, tmp_path) -> None:
    any_store.publish(write_dist(tmp_path / "v1", value="100.0"))
    v2 = write_dist(tmp_path / "v2", value="95.5", years=(2023, 2024))
    for n, path in enumerate(sorted((v2 / "graphs").iterdir())):  # the publisher died here
        any_store.put(f"{STAGING_PREFIX}crashed/{n}", path)
    assert len(staging_graphs(any_store)) == 4

    assert seen(RemoteStore(any_store.query_url)) == PREVIOUS

    app = create_app({"TESTING": True, "STORE_URL": any_store.query_url, "DIST_DIR": str(v2)})
    client = app.test_client()
    answer = client.get("/sparql", query_string={"query": COUNT, "format": "json"})
    assert answer.status_code == 200, answer.data
    assert answer.get_json()["results"]["bindings"][0]["n"]["value"] == "19"
    nt = {"Accept": "application/n-triples"}
    cell = client.get("/id/value/fy2023/kpi-2/target-fy2025", headers=nt)
    assert cell.status_code == 200
    assert b'"100"' in cell.data and b"95.5" not in cell.data
    assert client.get("/id/project/fy2024/8", headers=nt).status_code == 404
    staging = f"{STAGING_PREFIX}crashed/0"
    peek = client.get("/sparql", query_string={"query": f"ASK FROM <{staging}> {{ ?s ?p ?o }}"})
    assert peek.status_code == 400  # not a graph of this endpoint
    own = COUNT.replace("WHERE", f"FROM <{EDITION}> WHERE")  # a served graph: allowed
    answer = client.get("/sparql", query_string={"query": own, "format": "json"})
    assert answer.get_json()["results"]["bindings"][0]["n"]["value"] == "15"

    report = any_store.publish(v2)  # the next publish cleans up and switches
    assert report.stale_staging_dropped == 4
    assert seen(RemoteStore(any_store.query_url))[:2] == (34, ["95.5", "95.5"])


def own_graphs(store: TripleStore) -> tuple[int, list[str], set[str]]:
    """What a reader sees of the store's own graphs: none on Oxigraph; on Virtuoso its
    virtrdf#, ldp# and service description graphs, served while there is no register."""
    rows = [
        raw_select(store.query_url, f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{g}> {{ ?s ?p ?o }} }}")
        for g in store.system_graphs
    ]
    return sum(int(r[0]["n"]) for r in rows), [], set(store.system_graphs)  # type: ignore[call-overload]


def test_nothing_is_served_before_the_first_switch(any_store, fake_dist) -> None:
    any_store.put(f"{STAGING_PREFIX}first/0", fake_dist / "graphs" / "fy2023.nt")
    assert seen(RemoteStore(any_store.query_url)) == own_graphs(any_store)  # nothing of ours


def test_a_new_edition_is_served_within_the_ttl(any_store, tmp_path) -> None:
    any_store.publish(write_dist(tmp_path / "v1"))
    reader = RemoteStore(any_store.query_url, graphs_ttl=1.0)
    assert reader.published_graphs() == tuple(sorted(GRAPHS))

    any_store.publish(write_dist(tmp_path / "v2", value="95.5", years=(2023, 2024)))
    # The graph list was read before the publish; one TTL later it must be read again, so
    # the next answer is the new edition's however slow the machine is.
    time.sleep(reader.graphs_ttl)  # waits one TTL (a lower bound: load only lengthens it)
    assert seen(reader) == (34, ["95.5", "95.5"], GRAPHS | {f"{B}graph/fy2024"})


def test_the_register_is_switched_with_the_graphs_in_one_update(
    triplestore, tmp_path, monkeypatch
) -> None:
    updates: list[str] = []
    update = StoreClient.update

    def record(self: StoreClient, text: str) -> None:
        updates.append(text)
        update(self, text)

    monkeypatch.setattr(StoreClient, "update", record)
    triplestore.publish(write_dist(tmp_path / "v1", years=(2023, 2024)))
    switches = [u for u in updates if "MOVE" in u]
    assert len(switches) == 1 and "INSERT DATA" in switches[0]
    assert registered(triplestore.query_url) == GRAPHS | {f"{B}graph/fy2024"}

    triplestore.publish(write_dist(tmp_path / "v2", years=(2023,)))
    assert registered(triplestore.query_url) == GRAPHS
    assert f"{B}graph/fy2024" in graph_counts(triplestore)  # kept in the store,
    assert seen(RemoteStore(triplestore.query_url))[2] == GRAPHS  # but no longer served


def test_a_store_without_register_serves_its_named_graphs(any_store, fake_dist) -> None:
    """Filled by other tools: every named graph outside ``urn:x-dx-lod:`` is served."""
    any_store.put(EDITION, fake_dist / "graphs" / "fy2023.nt")
    any_store.put(f"{STAGING_PREFIX}x/0", fake_dist / "graphs" / "catalog.nt")
    count, values, named = own_graphs(any_store)
    assert seen(RemoteStore(any_store.query_url)) == (15 + count, ["100"], {EDITION} | named)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (f"SELECT (COUNT(*) AS ?n) FROM <{EDITION}> WHERE {{ ?s ?p ?o }}", 15),
        (f"SELECT (COUNT(*) AS ?n) FROM <{EDITION}> FROM <{CATALOG}> WHERE {{ ?s ?p ?o }}", 17),
        (f"SELECT (COUNT(*) AS ?n) FROM NAMED <{CATALOG}> WHERE {{ ?s ?p ?o }}", 0),
        (f"SELECT (COUNT(*) AS ?n) FROM NAMED <{CATALOG}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", 2),
        (f"SELECT (COUNT(*) AS ?n) FROM <{EDITION}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", 0),
        (
            f"PREFIX g: <{B}graph/> SELECT (COUNT(*) AS ?n) FROM g:ontology WHERE {{ ?s ?p ?o }}",
            2,
        ),
        (f"SELECT (COUNT(*) AS ?n) FROM <{STAGING_PREFIX}x/0> WHERE {{ ?s ?p ?o }}", 2),
    ],
)
def test_a_query_with_its_own_from_gets_exactly_that_dataset(
    any_store, fake_dist, query, expected
) -> None:
    """FROM / FROM NAMED win over the published dataset (SPARQL 1.1 semantics); the
    /sparql guard refuses graphs it does not serve, so only the server's own code could name
    a staging graph."""
    any_store.publish(fake_dist)
    any_store.put(f"{STAGING_PREFIX}x/0", fake_dist / "graphs" / "catalog.nt")
    row = RemoteStore(any_store.query_url).select(query)[0]
    assert int(row["n"]) == expected  # type: ignore[call-overload]


def test_graphs_ttl_is_configurable(monkeypatch) -> None:
    monkeypatch.delenv("DX_STORE_GRAPHS_TTL", raising=False)
    store = store_from_settings(Settings.load({"STORE_URL": "http://h/query"}))
    assert isinstance(store, RemoteStore) and store.graphs_ttl == 5.0
    monkeypatch.setenv("DX_STORE_GRAPHS_TTL", "0.5")
    assert store_from_settings(Settings.load({"STORE_URL": "http://h/query"})).graphs_ttl == 0.5  # type: ignore[attr-defined]
    store = store_from_settings(
        Settings.load({"STORE_URL": "http://h/query", "STORE_GRAPHS_TTL": 0})
    )
    assert store.graphs_ttl == 0  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="negative"):
        RemoteStore("http://h/query", graphs_ttl=-1)
