"""Issue 26 #9: a remote store's failure tells anonymous clients neither the store's URL (nor
the user and password in it) nor the store's own words; the server's log has the detail,
without the password. A query the store refuses is the client's error: 400, not 502.

Real stores: ``oxigraph serve`` (with HTTP Basic auth in front, ``auth_proxy``) and Virtuoso.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from converter.publish import publish
from server.errors import QueryRejected, StoreError, status_of
from server.stores.remote import RemoteStore
from tests.remote.conftest import TripleStore
from tests.support.oxigraph_server import OxigraphServer
from tests.support.virtuoso_server import VirtuosoServer

pytestmark = pytest.mark.remote
USER, PASSWORD = "dx-reader", "s3cret-Pa55"
ALL = "SELECT * WHERE { ?s ?p ?o }"


def with_userinfo(url: str, user: str = USER, password: str = PASSWORD) -> str:
    return url.replace("http://", f"http://{user}:{password}@", 1)


def app_client(store_url: str, dist: Path) -> Any:
    from server.app import create_app

    app = create_app({"TESTING": True, "STORE_URL": store_url, "DIST_DIR": str(dist)})
    return app.test_client()


def sparql(client: Any, query: str) -> Any:
    return client.get(f"/sparql?query={quote(query)}", headers={"Accept": "application/json"})


def assert_tells_nothing(response: Any, status: int, *words: str) -> str:
    """The answer has ``status``, the canonical error shape, and none of ``words``."""
    assert response.status_code == status, response.data[:300]
    body = response.get_json()
    assert (body["ok"], body["status"]) == (False, status)
    text = response.get_data(as_text=True)
    leaked = [w for w in words if w in text]
    assert not leaked, (leaked, text)
    return str(body["error"])


def logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(r.getMessage() for r in caplog.records)


def test_oxigraph_with_userinfo_down_and_up(
    oxigraph: OxigraphServer, fake_dist: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="server.errors")
    publish(fake_dist, store_url=oxigraph.store_url, query_url=oxigraph.query_url)
    client = app_client(with_userinfo(oxigraph.query_url), fake_dist)
    address = oxigraph.query_url.split("//", 1)[1].split("/", 1)[0]  # 127.0.0.1:port
    secrets = (address, USER, PASSWORD)

    oxigraph.stop()
    for response in (
        client.get("/id/kpi/2", headers={"Accept": "application/json"}),
        sparql(client, ALL),
    ):
        message = assert_tells_nothing(response, 503, *secrets, "refused", "Errno")
        assert "cannot be reached" in message
    log = logged(caplog)
    assert f"SPARQL store {oxigraph.query_url} is unreachable" in log
    assert PASSWORD not in log and f"{USER}:" not in log

    oxigraph.start()
    caplog.clear()
    assert client.get("/id/kpi/2", headers={"Accept": "text/turtle"}).status_code == 200
    # A query the guard passes (it does not parse) and the store refuses: the client's error.
    refused = sparql(client, "SELECT ?x WHERE { ?x ")
    message = assert_tells_nothing(refused, 400, *secrets, "error at", "expected")
    assert "could not run this query" in message
    log = logged(caplog)
    assert f"SPARQL store {oxigraph.query_url} refused the query" in log
    assert "error at" in log  # the store's words, for the operator
    assert PASSWORD not in log


def test_userinfo_is_sent_as_basic_auth_and_never_shown(auth_proxy: Any) -> None:
    query_url = auth_proxy.base_url + "/query"
    store = RemoteStore(with_userinfo(query_url, "publisher", "s3cret-Pa55"))
    assert store.query_url == query_url  # the URL a log may show holds no credentials
    assert store.ask("ASK {}") is True  # answered: the proxy let us in
    assert auth_proxy.seen and all(auth == auth_proxy.expected for _, auth in auth_proxy.seen)

    wrong = RemoteStore(with_userinfo(query_url, "publisher", "wrong-Pa55"))
    with pytest.raises(StoreError) as err:
        wrong.select(ALL)  # the proxy echoes the Authorization header in its 401 body
    assert status_of(err.value) == 502
    for text in (err.value.message, err.value.detail):
        assert "wrong-Pa55" not in text and "Basic " not in text and "publisher" not in text
    assert "refused our credentials" in err.value.detail


#: Queries our guard passes that Virtuoso refuses: a compiler error answered 400, and one
#: answered 500 (it blamed the store before: a 502 showing Virtuoso's words).
VIRTUOSO_REFUSES = [
    ("SELECT (COUNT(*) AS ?c) (SAMPLE(?s) AS ?c) WHERE { ?s ?p ?o }", "SPARQL compiler"),
    ("SELECT * WHERE { ?s <http://example.org/p>+ ?o }", "transitive start not given"),
]


@pytest.mark.virtuoso
@pytest.mark.parametrize(("query", "words"), VIRTUOSO_REFUSES)
def test_a_query_virtuoso_refuses_is_400_without_its_words(
    virtuoso: VirtuosoServer, fake_dist: Path, caplog, query: str, words: str
) -> None:
    caplog.set_level(logging.INFO, logger="server.errors")
    TripleStore("virtuoso", virtuoso).publish(fake_dist)  # as the publisher account
    with pytest.raises(QueryRejected) as err:
        RemoteStore(virtuoso.query_url).select(query)
    assert words in err.value.detail and words not in err.value.message

    client = app_client(virtuoso.query_url, fake_dist)
    address = virtuoso.query_url.split("//", 1)[1].split("/", 1)[0]
    assert_tells_nothing(sparql(client, query), 400, address, words, "Virtuoso", "SQ", "SP0")
    assert words in logged(caplog)
