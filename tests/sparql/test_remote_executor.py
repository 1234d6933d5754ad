"""/sparql in front of a store other than the embedded one: the same guard and limits, with
``store.raw_query`` bounded by the time limit. Unit tests with a fake store, then the real
``RemoteStore`` talking to a real ``oxigraph serve`` on 127.0.0.1."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph

from converter.formats import RESULT_FORMATS
from server.stores.base import Executor, QueryLimits
from server.stores.execution import ForwardingExecutor
from server.stores.local import LocalStore
from server.stores.remote import RemoteStore
from tests.sparql.conftest import KASEI, protocol_graphs, sparql_app
from tests.sparql.test_safety import listener  # noqa: F401 - a fixture
from tests.support.oxigraph_server import OxigraphServer


class SlowStore:
    """A store answering through an embedded store, after ``delay`` seconds."""

    def __init__(self, inner: LocalStore, delay: float) -> None:
        self.inner = inner
        self.delay = delay
        self.queries: list[str] = []

    def ask(self, query: str) -> bool:
        return self.inner.ask(query)

    def construct(self, query: str) -> Graph:
        return self.inner.construct(query)

    def select(self, query: str):  # type: ignore[no-untyped-def]
        return self.inner.select(query)

    def raw_query(self, query: str, accept: str) -> tuple[bytes, str]:
        self.queries.append(query)
        if "slow" in query:
            time.sleep(self.delay)  # waits: this is the slow store
        return self.inner.raw_query(query, accept)

    def graphs(self) -> dict[str, int]:
        return self.inner.graphs()

    def executor(self, limits: QueryLimits) -> Executor:
        return ForwardingExecutor(self, limits)  # what a store that cannot be killed uses

    def data_version(self) -> None:
        return None


@pytest.fixture(scope="module")
def slow(protocol_store: LocalStore) -> Iterator[tuple[Flask, SlowStore]]:
    store = SlowStore(protocol_store, delay=4.0)
    with sparql_app(store, SPARQL_TIMEOUT=1.0, SPARQL_MAX_ROWS=2) as (app, blueprint):
        executor = blueprint.executor
        assert isinstance(executor, ForwardingExecutor)
        yield app, store


def test_any_store_gets_the_thread_executor(slow: tuple[Flask, SlowStore]) -> None:
    client = slow[0].test_client()
    response = client.get(f"/sparql?query={quote('SELECT * { ?s ?p ?o }')}&format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert len(response.data.decode().splitlines()) == 3  # header + the 2-row limit
    assert response.headers["X-SPARQL-Truncated"] == "true"


def test_time_limit_applies_to_any_store(slow: tuple[Flask, SlowStore]) -> None:
    # The store is late, not the query: a gateway timeout, within the time limit.
    client = slow[0].test_client()
    start = time.monotonic()
    response = client.get(f"/sparql?query={quote('ASK { ?s ?p ?o } # slow')}")
    assert response.status_code == 504 and response.get_json()["status"] == 504
    assert time.monotonic() - start < slow[1].delay  # cut at the limit, not waited for


def test_guard_runs_before_any_store(slow: tuple[Flask, SlowStore]) -> None:
    client = slow[0].test_client()
    sent = len(slow[1].queries)
    for query in (
        "SELECT * { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }",
        "CLEAR ALL",
        "SELECT * FROM <http://evil.example/> { ?s ?p ?o }",
    ):
        assert 400 <= client.get(f"/sparql?query={quote(query)}").status_code < 500
    assert len(slow[1].queries) == sent


def test_protocol_dataset_is_refused_for_other_stores(slow: tuple[Flask, SlowStore]) -> None:
    client = slow[0].test_client()
    response = client.get(f"/sparql?query={quote('ASK {}')}&default-graph-uri={quote(KASEI)}")
    assert response.status_code == 400


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    with OxigraphServer(tmp_path_factory.mktemp("oxigraph")) as server:
        for graph, path in protocol_graphs().items():
            _put(server, graph, path.read_bytes())
        big = "".join(
            f'<http://example.org/s{i}> <http://example.org/p> "{i}" .\n' for i in range(1000)
        ).encode()
        _put(server, "http://example.org/big", big)
        yield server


def _put(server: OxigraphServer, graph: str, body: bytes) -> None:
    request = urllib.request.Request(
        f"{server.store_url}?graph={quote(graph)}",
        data=body,
        method="POST",
        headers={"Content-Type": "application/n-triples"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


@pytest.fixture(scope="module")
def remote(oxigraph: OxigraphServer) -> Iterator[FlaskClient]:
    store = RemoteStore(oxigraph.query_url, timeout=5.0)
    with sparql_app(store, SPARQL_TIMEOUT=2.0, SPARQL_MAX_ROWS=100) as (app, _):
        yield app.test_client()


@pytest.mark.remote
@pytest.mark.parametrize("accept", [f.media_type for f in RESULT_FORMATS])
def test_remote_select(remote: FlaskClient, accept: str) -> None:
    query = f'SELECT ?s WHERE {{ ?s a ?t FILTER(STRSTARTS(STR(?s), "{KASEI}")) }} ORDER BY ?s'
    response = remote.get(f"/sparql?query={quote(query)}", headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == accept
    assert f"{KASEI}data3.rdf".encode() in response.data


@pytest.mark.remote
def test_remote_construct_and_limits(remote: FlaskClient) -> None:
    response = remote.get(
        f"/sparql?query={quote('CONSTRUCT WHERE { ?s ?p ?o }')}",
        headers={"Accept": "application/n-triples"},
    )
    assert response.status_code == 200
    assert len(response.data.splitlines()) == 100
    assert response.headers["X-SPARQL-Truncated"] == "true"


@pytest.mark.remote
def test_remote_service_never_reaches_the_store(
    remote: FlaskClient,
    listener: tuple[int, list[object]],  # noqa: F811
) -> None:
    port, connections = listener
    query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}"
    assert remote.get(f"/sparql?query={quote(query)}").status_code == 400
    time.sleep(0.3)  # waits for a connection that must never come
    assert connections == []


@pytest.mark.remote
def test_remote_time_limit(remote: FlaskClient) -> None:
    explosion = (
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <http://example.org/big> "
        "{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l } }"
    )
    start = time.monotonic()
    response = remote.get(f"/sparql?query={quote(explosion)}")
    assert response.status_code == 504  # the store did not answer in time
    # cut at the 2 s limit, before the store's own 5 s timeout would have ended it
    assert time.monotonic() - start < 5.0


def test_fixture_data_path_exists() -> None:
    assert all(Path(p).exists() for p in protocol_graphs().values())
