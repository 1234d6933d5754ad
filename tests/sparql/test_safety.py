"""Safe by default: read-only, no outbound connections, a time limit that really stops a
query, row / length / body limits, and never a 5xx for a client's mistake."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from flask import Flask
from flask.testing import FlaskClient

from converter.formats import RESULT_FORMATS
from server.sparql.endpoint import SparqlBlueprint
from server.stores.execution import AdmittingExecutor, CachingExecutor, PoolExecutor
from server.stores.local import LocalStore
from tests.sparql.conftest import sparql_app
from tests.support.timing import within

GRAPH = "http://example.org/big"
TRIPLES = 1000  # 1000^4 = 10^12 rows for the cartesian explosion
EXPLOSION = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
LIMITS = {
    "SPARQL_TIMEOUT": 2.0,
    "SPARQL_MAX_ROWS": 50,
    "SPARQL_MAX_QUERY_LENGTH": 2000,
    "SPARQL_MAX_BODY_BYTES": 8192,
}


@pytest.fixture(scope="module")
def big_store() -> LocalStore:
    store = ox.Store()
    g = ox.NamedNode(GRAPH)
    store.extend(
        ox.Quad(
            ox.NamedNode(f"http://example.org/s{i}"),
            ox.NamedNode(f"http://example.org/p{i % 7}"),
            ox.Literal(str(i)),
            g,
        )
        for i in range(TRIPLES)
    )
    return LocalStore(store, version=f"synthetic-{TRIPLES}")


@pytest.fixture(scope="module")
def big(big_store: LocalStore) -> Iterator[tuple[Flask, SparqlBlueprint]]:
    with sparql_app(big_store, **LIMITS) as pair:
        yield pair


@pytest.fixture
def big_client(big: tuple[Flask, SparqlBlueprint]) -> FlaskClient:
    return big[0].test_client()


def count(client: FlaskClient, nonce: str) -> int:
    # a fresh text each time, so that no cache can answer
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o }} # {nonce}"
    response = client.get(f"/sparql?query={quote(query)}")
    assert response.status_code == 200
    return int(response.get_json()["results"]["bindings"][0]["n"]["value"])


UPDATE = "DELETE WHERE { ?s ?p ?o }"
UPDATE_REQUESTS = [
    ("GET", f"/sparql?update={quote(UPDATE)}", None, None),
    ("GET", f"/sparql?query={quote(UPDATE)}", None, None),
    ("POST", "/sparql", f"update={quote(UPDATE)}".encode(), "application/x-www-form-urlencoded"),
    ("POST", "/sparql", f"query={quote(UPDATE)}".encode(), "application/x-www-form-urlencoded"),
    ("POST", "/sparql", UPDATE.encode(), "application/sparql-update"),
    ("POST", "/sparql", UPDATE.encode(), "application/sparql-query"),
    ("POST", "/sparql", b"CLEAR ALL", "application/sparql-query"),
    ("POST", "/sparql", b"DROP ALL", "application/sparql-update"),
    (
        "POST",
        "/sparql",
        b"INSERT DATA { <http://a> <http://b> <http://c> }",
        "application/sparql-query",
    ),
    ("POST", "/sparql?using-graph-uri=http%3A%2F%2Fx", b"ASK {}", "application/sparql-query"),
]


def test_every_form_of_update_is_refused_and_changes_nothing(
    big_client: FlaskClient, big_store: LocalStore
) -> None:
    before = count(big_client, "before")
    for i, (method, path, body, content_type) in enumerate(UPDATE_REQUESTS):
        response = big_client.open(path, method=method, data=body, content_type=content_type)
        assert 400 <= response.status_code < 500, (i, response.data)
        assert response.get_json()["ok"] is False
    assert before == count(big_client, "after") == TRIPLES
    assert len(big_store.oxigraph) == TRIPLES


@pytest.fixture
def listener() -> Iterator[tuple[int, list[object]]]:
    """A real socket on 127.0.0.1 that records every connection it receives."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.1)
    connections: list[object] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            connections.append(conn)
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1], connections
    finally:
        stop.set()
        thread.join()
        server.close()


def test_service_and_foreign_from_never_connect(
    big_client: FlaskClient, listener: tuple[int, list[object]]
) -> None:
    port, connections = listener
    url = f"http://127.0.0.1:{port}/sparql"
    queries = [
        f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"LOAD <{url}>",
    ]
    for query in queries:
        for response in (
            big_client.get(f"/sparql?query={quote(query)}"),
            big_client.post(
                "/sparql", data=query.encode(), content_type="application/sparql-query"
            ),
        ):
            assert 400 <= response.status_code < 500, (query, response.data)
            assert response.get_json()["ok"] is False
    time.sleep(0.3)  # waits for a connection that must never come
    assert connections == []


def test_workers_have_no_network_even_past_the_guard(
    big: tuple[Flask, SparqlBlueprint], listener: tuple[int, list[object]]
) -> None:
    """Defense in depth: a SERVICE sent straight to a worker (no guard) cannot connect."""
    inner = big[1].executor
    while isinstance(inner, CachingExecutor | AdmittingExecutor):
        inner = inner._inner
    assert isinstance(inner, PoolExecutor)
    pool = inner.pool
    if pool.sandbox == "none":
        pytest.skip("the kernel refused a network namespace here")
    port, connections = listener
    from server.errors import QueryError, status_of

    with pytest.raises(QueryError) as caught:
        service = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}"
        pool.run(
            {
                "query": service,
                "media_type": "application/sparql-results+json",
                "max_rows": 10,
                "base_iri": "http://x/",
                "prefixes": {},
                "union": True,
                "default_graphs": None,
                "named_graphs": None,
            }
        )
    assert status_of(caught.value) == 400
    time.sleep(0.3)  # waits for a connection that must never come
    assert connections == []


def test_time_limit_stops_an_explosion_while_others_keep_answering(
    big_client: FlaskClient, big: tuple[Flask, SparqlBlueprint]
) -> None:
    app = big[0]

    def explode() -> tuple[int, dict[str, object], float]:
        start = time.monotonic()
        response = app.test_client().get(f"/sparql?query={quote(EXPLOSION)}")
        return response.status_code, response.get_json(), time.monotonic() - start

    with ThreadPoolExecutor(1) as threads:
        boom = threads.submit(explode)
        time.sleep(0.2)  # waits: the explosion holds one worker now
        latencies = []
        for i in range(20):
            start = time.monotonic()
            response = big_client.get(f"/sparql?query={quote(f'ASK {{ ?s ?p {i} }}')}")
            latencies.append(time.monotonic() - start)
            assert response.status_code == 200
        status, body, elapsed = boom.result(timeout=10)
    assert status == 503
    assert body == {"ok": False, "error": body["error"], "status": 503}
    assert "2 s" in str(body["error"])
    assert 1.9 <= elapsed < within(3.5)
    assert max(latencies) < within(1.0), latencies
    # the killed worker was replaced: the endpoint still answers
    assert count(big_client, "after explosion") == TRIPLES


@pytest.mark.parametrize("accept", [f.media_type for f in RESULT_FORMATS])
def test_rows_are_cut_at_the_limit_and_marked(big_client: FlaskClient, accept: str) -> None:
    response = big_client.get(
        f"/sparql?query={quote('SELECT * WHERE { ?s ?p ?o }')}", headers={"Accept": accept}
    )
    assert response.status_code == 200
    assert response.headers["X-SPARQL-Truncated"] == "true"
    assert response.headers["X-SPARQL-MaxRows"] == "50"
    parsed = (
        ox.parse_query_results(response.data, format=ox.QueryResultsFormat.from_media_type(accept))
        if accept != "text/csv"
        else None
    )
    rows = len(list(parsed)) if parsed is not None else len(response.data.splitlines()) - 1
    assert rows == 50


def test_graphs_are_cut_at_the_limit(big_client: FlaskClient) -> None:
    query = "CONSTRUCT WHERE { ?s ?p ?o }"
    response = big_client.get(
        f"/sparql?query={quote(query)}", headers={"Accept": "application/n-triples"}
    )
    assert response.headers["X-SPARQL-Truncated"] == "true"
    assert len(response.data.splitlines()) == 50


def test_small_answers_are_not_marked(big_client: FlaskClient) -> None:
    response = big_client.get(f"/sparql?query={quote('SELECT * { ?s ?p ?o } LIMIT 50')}")
    assert "X-SPARQL-Truncated" not in response.headers


def test_query_length_and_body_size_limits(big_client: FlaskClient) -> None:
    long_query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 3000
    for response in (
        big_client.get(f"/sparql?query={quote(long_query)}"),
        big_client.post(
            "/sparql", data=long_query.encode(), content_type="application/sparql-query"
        ),
        big_client.post(
            "/sparql",
            data=b"query=" + b"A" * 9000,
            content_type="application/x-www-form-urlencoded",
        ),
    ):
        assert response.status_code == 413
        assert response.get_json()["status"] == 413


BAD_REQUESTS = [
    ("GET", "/sparql?query=%FF%FE", None, None),
    ("GET", "/sparql?query=", None, None),
    ("GET", "/sparql?query=SELECT", None, None),
    ("GET", "/sparql?query=SELECT%20*%20%7B%7D&default-graph-uri=not%20an%20iri", None, None),
    ("GET", "/sparql?query=SELECT%20*%20%7B%7D&named-graph-uri=", None, None),
    ("GET", "/sparql?query=SELECT%20(1%2F0%20AS%20%3Fx)%20%7B%7D&format=csv", None, None),
    ("GET", "/sparql?query=DESCRIBE%20%3Chttp%3A%2F%2Fa%3E&format=tsv", None, None),
    ("POST", "/sparql", b"\x00\x01\x02", "application/sparql-query"),
    ("POST", "/sparql", b"query=%00", "application/x-www-form-urlencoded"),
    ("POST", "/sparql", b"ASK {}", "multipart/form-data; boundary=x"),
    ("POST", "/sparql", b"ASK {}", "application/sparql-query; charset=latin-1"),
    ("GET", "/sparql?query=SELECT%20*%20%7B%3C%3E%20%3Fp%20%3Fo%7D", None, None),
    ("GET", "/sparql?query=SELECT%20*%20%7B%3Chttp%3A%2F%2Fa%20b%3E%20%3Fp%20%3Fo%7D", None, None),
    (
        "GET",
        "/sparql?query=CONSTRUCT%20%7B%3Fs%20%3Fp%20%3Fo%7D%20WHERE%20%7B%7D&format=rdf",
        None,
        None,
    ),
]


@pytest.mark.parametrize(("method", "path", "body", "content_type"), BAD_REQUESTS)
def test_client_mistakes_are_never_5xx(
    big_client: FlaskClient, method: str, path: str, body: bytes | None, content_type: str | None
) -> None:
    response = big_client.open(path, method=method, data=body, content_type=content_type)
    assert response.status_code < 500, response.data
    if response.status_code >= 400:
        assert set(response.get_json()) == {"ok", "error", "status"}
