"""RemoteStore over HTTP: answers, error statuses, timeouts and recovery."""

from __future__ import annotations

import json
import time

import pyoxigraph as ox
import pytest

from server.config import Settings
from server.errors import (
    QueryRejected,
    QuerySyntaxError,
    StoreError,
    UnsupportedFormat,
    UpdateRefused,
    status_of,
)
from server.stores.factory import store_from_settings
from server.stores.local import LocalStore
from server.stores.remote import RemoteStore
from server.stores.remote_answers import readable_bnodes
from tests.remote.conftest import Answer, FakeEndpoint
from tests.remote.helpers import union_count
from tests.support.fakedist import B
from tests.support.processes import free_port
from tests.support.timing import within

pytestmark = pytest.mark.remote
ALL = "SELECT * WHERE { ?s ?p ?o }"
CALLS = [
    ("select", (ALL,)),
    ("ask", ("ASK { ?s ?p ?o }",)),
    ("construct", ("CONSTRUCT WHERE { ?s ?p ?o }",)),
    ("raw_query", (ALL, "application/sparql-results+json")),
]


def call(store: RemoteStore, name: str, args: tuple[str, ...]) -> object:
    return getattr(store, name)(*args)


def test_store_down_answers_503_quickly_then_recovers(triplestore, fake_dist, publish_to) -> None:
    publish_to(fake_dist)
    store = RemoteStore(triplestore.query_url, timeout=5)
    assert len(store.select(ALL)) == 19
    triplestore.stop()

    for name, args in CALLS:
        started = time.monotonic()
        with pytest.raises(StoreError, match="cannot be reached") as err:
            call(store, name, args)
        assert status_of(err.value) == 503
        assert triplestore.query_url not in err.value.message  # for the log only
        assert f"{triplestore.query_url} is unreachable" in err.value.detail
        assert time.monotonic() - started < within(1.0)  # refused at once, not timed out

    triplestore.start()  # same port, same data: the same store object works again
    assert len(store.select(ALL)) == 19


def test_unknown_host_or_closed_port_is_503() -> None:
    with pytest.raises(StoreError) as err:
        RemoteStore(f"http://127.0.0.1:{free_port()}/query", timeout=2).ask("ASK {}")
    assert status_of(err.value) == 503


@pytest.mark.parametrize(("name", "args"), CALLS)
def test_slow_store_times_out_with_504(fake_endpoint: FakeEndpoint, name, args) -> None:
    fake_endpoint.answer = Answer(delay=5.0)
    started = time.monotonic()
    with pytest.raises(StoreError, match="did not answer within 0.5 s") as err:
        call(RemoteStore(fake_endpoint.url, timeout=0.5), name, args)
    assert status_of(err.value) == 504
    assert time.monotonic() - started < fake_endpoint.answer.delay  # cut short, not waited for


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        (Answer(status=500, body=b"internal error", content_type="text/plain"), 502),
        (Answer(status=502, body=b"bad gateway", content_type="text/plain"), 502),
        (Answer(status=503, body=b"overloaded", content_type="text/plain"), 503),
        (Answer(status=404, body=b"no such endpoint", content_type="text/plain"), 502),
        (Answer(status=200, body=b"<html>not sparql</html>", content_type="text/html"), 502),
        (
            Answer(status=200, body=b'{"head": ', content_type="application/sparql-results+json"),
            502,
        ),
    ],
)
def test_a_failing_store_is_a_bad_gateway(fake_endpoint: FakeEndpoint, answer, status) -> None:
    fake_endpoint.answer = answer
    with pytest.raises(StoreError) as err:
        RemoteStore(fake_endpoint.url, timeout=2).select(ALL)
    assert status_of(err.value) == status
    assert fake_endpoint.url in err.value.detail and fake_endpoint.url not in err.value.message
    assert answer.body.decode() not in err.value.message


#: How each store says "syntax error".
SYNTAX_ERROR = {"oxigraph": "error at", "virtuoso": "SPARQL compiler"}


def test_syntax_errors_are_400_and_the_store_message_is_logged_only(triplestore) -> None:
    with pytest.raises(QueryRejected) as err:
        RemoteStore(triplestore.query_url).select("SELECT ?x WHERE { ?x ")
    assert status_of(err.value) == 400
    assert SYNTAX_ERROR[triplestore.name] in err.value.detail  # its words, not a Python repr
    assert SYNTAX_ERROR[triplestore.name] not in err.value.message  # issue 26 #9
    assert "b'" not in err.value.detail
    assert "define input:" not in err.value.detail  # Virtuoso's echo of the query is cut


def test_updates_are_refused_and_change_nothing(triplestore, fake_dist, publish_to) -> None:
    publish_to(fake_dist)
    with pytest.raises(UpdateRefused, match="read-only"):
        RemoteStore(triplestore.query_url).select(f"INSERT DATA {{ <{B}a> <{B}b> <{B}c> }}")
    assert union_count(triplestore.query_url) == 19


@pytest.mark.parametrize(
    ("method", "query"), [("ask", ALL), ("select", "ASK {}"), ("construct", ALL)]
)
def test_wrong_query_form_is_400_like_local(oxigraph, method, query) -> None:
    local = LocalStore.from_files({})
    for store in (local, RemoteStore(oxigraph.query_url)):
        with pytest.raises(QuerySyntaxError) as err:
            getattr(store, method)(query)
        assert status_of(err.value) == 400


@pytest.mark.parametrize(
    ("query", "accept"),
    [(ALL, "text/turtle"), ("CONSTRUCT WHERE { ?s ?p ?o }", "text/csv"), (ALL, "text/html")],
)
def test_raw_query_rejects_unfit_media_types_with_406(oxigraph, query, accept) -> None:
    with pytest.raises(UnsupportedFormat) as err:
        RemoteStore(oxigraph.query_url).raw_query(query, accept)
    assert status_of(err.value) == 406


def test_store_from_settings(monkeypatch, fake_dist) -> None:
    monkeypatch.delenv("DX_STORE_URL", raising=False)
    store = store_from_settings(Settings.load({"STORE_URL": "http://h/query", "STORE_TIMEOUT": 3}))
    assert isinstance(store, RemoteStore)
    assert (store.query_url, store.timeout) == ("http://h/query", 3.0)

    monkeypatch.setenv("DX_STORE_URL", "http://env/query")
    store = store_from_settings(Settings.load({"DIST_DIR": str(fake_dist)}))
    assert isinstance(store, RemoteStore) and store.query_url == "http://env/query"
    local = store_from_settings(Settings.load({"STORE_URL": "", "DIST_DIR": str(fake_dist)}))
    assert isinstance(local, LocalStore)  # an explicit empty STORE_URL wins over the env

    monkeypatch.delenv("DX_STORE_URL")
    assert isinstance(store_from_settings(Settings.load({"DIST_DIR": str(fake_dist)})), LocalStore)


def test_blank_node_labels_parsers_refuse_are_renamed_consistently() -> None:
    """Virtuoso's JSON results label blank nodes ``nodeID://b10000``."""
    virtuoso, ok = {"type": "bnode", "value": "nodeID://b1"}, {"type": "bnode", "value": "ok_1"}
    rows = [
        {"s": virtuoso, "o": {"type": "bnode", "value": "nodeID://b2"}},
        {"s": virtuoso, "o": ok},
    ]
    body = json.dumps({"head": {"vars": ["s", "o"]}, "results": {"bindings": rows}}).encode()
    with pytest.raises(SyntaxError):
        list(ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON))  # type: ignore[arg-type]

    parsed = ox.parse_query_results(readable_bnodes(body), format=ox.QueryResultsFormat.JSON)
    assert isinstance(parsed, ox.QuerySolutions)
    (s1, o1), (s2, o2) = [(row["s"], row["o"]) for row in parsed]
    assert s1 == s2 != o1 and isinstance(s1, ox.BlankNode)
    assert o2 == ox.BlankNode("ok_1")  # a label parsers accept is kept
    plain = b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "bnode", "value": "b0"}}]}}'
    assert readable_bnodes(plain) is plain
