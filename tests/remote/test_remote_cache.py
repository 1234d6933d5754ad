"""Issue 25: over a remote store, a rendered answer is kept while the store serves the same
build, not dropped every few seconds.

``converter publish`` writes the build's digest into the publication register in the same
Update as the switch; the server reads the register again every ``DX_STORE_GRAPHS_TTL``
seconds (one cheap query, by one thread while the others go on) and keeps every answer
rendered under the digest it still reads. A publish changes the digest: answers rendered
before it are dropped and ETags change. A store whose register states no digest (published
by an older ``converter publish``) keeps answers for the TTL only, as before.
"""

from __future__ import annotations

import time
from pathlib import Path

from flask.testing import FlaskClient

from converter.contract import BUILD_DIGEST, REGISTER_GRAPH, Manifest
from server.app import create_app
from server.stores.remote import RemoteStore
from tests.support.counting import CountingStore
from tests.support.fakedist import write_dist

PAGE = "/id/value/fy2023/kpi-2/target-fy2025.ttl"
TTL = 0.3


def _client(store: CountingStore, dist: Path) -> FlaskClient:
    config = {
        "TESTING": True,
        "DIST_DIR": str(dist),
        "STORE_GRAPHS_TTL": TTL,
        "RESPONSE_CACHE_HEADER": True,
    }
    return create_app(config, store=store).test_client()


def test_answers_outlive_the_ttl_until_a_publish(any_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    v1 = write_dist(tmp_path / "v1")
    any_store.publish(v1)
    store = CountingStore(RemoteStore(any_store.query_url, graphs_ttl=TTL))
    assert store.data_version() == Manifest.read(v1).data_digest  # the register says which
    client = _client(store, v1)
    first = client.get(PAGE)
    assert first.status_code == 200 and "100.0" in first.get_data(as_text=True)

    read = store.inner._dataset.asked  # noqa: SLF001 - when the register was last read
    time.sleep(TTL + 0.1)  # waits past the TTL (a lower bound: load only lengthens it)
    store.reset()
    kept = client.get(PAGE)
    assert kept.headers.get("X-Cache") == "hit" and kept.data == first.data
    assert store.round_trips == 0, store.queries  # the page was not rendered again ...
    assert store.inner._dataset.asked > read  # noqa: SLF001 - ... though the register was read

    v2 = write_dist(tmp_path / "v2", value="95.5")
    any_store.publish(v2)
    time.sleep(TTL + 0.1)  # waits past the TTL: the register is read again
    after = client.get(PAGE)
    assert "X-Cache" not in after.headers and "95.5" in after.get_data(as_text=True)
    assert after.headers["ETag"] != first.headers["ETag"]
    assert store.data_version() == Manifest.read(v2).data_digest


def test_a_store_that_states_no_digest_keeps_answers_for_the_ttl(any_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dist = write_dist(tmp_path / "v1")
    any_store.publish(dist)
    any_store.update(f"DELETE WHERE {{ GRAPH <{REGISTER_GRAPH}> {{ ?r <{BUILD_DIGEST}> ?d }} }}")
    store = CountingStore(RemoteStore(any_store.query_url, graphs_ttl=TTL))
    assert store.data_version() is None
    client = _client(store, dist)
    client.get(PAGE)
    assert client.get(PAGE).headers.get("X-Cache") == "hit"
    time.sleep(TTL + 0.1)  # waits past the TTL (a lower bound)
    assert "X-Cache" not in client.get(PAGE).headers


def test_many_readers_of_a_new_page_render_it_once(any_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Single flight: 8 requests for a page nobody has asked for yet ask the store once."""
    from concurrent.futures import ThreadPoolExecutor

    dist = write_dist(tmp_path / "v1")
    any_store.publish(dist)
    store = CountingStore(RemoteStore(any_store.query_url, graphs_ttl=60))
    client = _client(store, dist)
    client.get("/id/kpi/2.ttl")  # the register is read
    store.reset()
    app = client.application

    def fetch(_: int) -> bytes:
        return app.test_client().get(PAGE, headers={"Accept": "text/turtle"}).data

    with ThreadPoolExecutor(8) as pool:
        bodies = set(pool.map(fetch, range(8)))
    assert len(bodies) == 1
    assert store.calls["construct"] == 1, store.queries


#: A /sparql query whose answer shows the value that the second build changes.
VALUE_QUERY = (
    "SELECT ?o WHERE { <https://data.pref.fukushima.lg.jp/dx/id/value/fy2023/kpi-2/"
    "target-fy2025> ?p ?o }"
)


def _counted_sparql(any_store, dist: Path) -> tuple[FlaskClient, list[str]]:  # type: ignore[no-untyped-def]
    """A client whose /sparql queries to the store are listed (the response cache off, so
    that only the query executor's own cache can spare the store a query)."""
    remote = RemoteStore(any_store.query_url, graphs_ttl=TTL)
    sent: list[str] = []
    forward = remote.raw_query

    def raw_query(query: str, accept: str) -> tuple[bytes, str]:
        sent.append(query)
        return forward(query, accept)

    remote.raw_query = raw_query  # type: ignore[method-assign]
    config = {
        "TESTING": True,
        "DIST_DIR": str(dist),
        "STORE_GRAPHS_TTL": TTL,
        "RESPONSE_CACHE_MB": 0,
    }
    return create_app(config, store=remote).test_client(), sent


def _ask(client: FlaskClient) -> str:
    answer = client.get(
        "/sparql",
        query_string={"query": VALUE_QUERY},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert answer.status_code == 200, answer.data
    return answer.get_data(as_text=True)


def test_sparql_answers_are_kept_until_a_publish(any_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    v1 = write_dist(tmp_path / "v1")
    any_store.publish(v1)
    client, sent = _counted_sparql(any_store, v1)
    first = _ask(client)
    assert "100.0" in first and len(sent) == 1
    time.sleep(TTL + 0.1)  # waits past the TTL: the register is read again, the same digest
    assert _ask(client) == first and len(sent) == 1  # kept: the store was not asked
    any_store.publish(write_dist(tmp_path / "v2", value="95.5"))
    time.sleep(TTL + 0.1)  # waits past the TTL: the register is read again, a new digest
    assert "95.5" in _ask(client) and len(sent) == 2


def test_sparql_answers_are_not_kept_when_the_store_states_no_digest(
    any_store, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    dist = write_dist(tmp_path / "v1")
    any_store.publish(dist)
    any_store.update(f"DELETE WHERE {{ GRAPH <{REGISTER_GRAPH}> {{ ?r <{BUILD_DIGEST}> ?d }} }}")
    client, sent = _counted_sparql(any_store, dist)
    assert _ask(client) == _ask(client)
    assert len(sent) == 2  # nothing tells when the data changes: every query goes to the store
