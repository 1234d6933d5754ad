"""Issue 26, finding 1, on the real Virtuoso: its functions never run through our ``/sparql``.

The probes of the report (``bif:http_get``, ``bif:exec``, ``bif:virtuoso_ini_path``,
``bif:sys_stat``, and their other spellings) go to the server over a published Virtuoso by
GET and both POST forms: each is a 400 in the canonical shape, a local listener sees no
request, no graph appears and the publication register is unchanged. The same
``bif:http_get`` sent straight to Virtuoso does reach the listener: the guard is what stops
it. A differential test places a stored procedure (Virtuoso calls any function IRI as
``DB.DBA.<IRI>``) wherever a query can hold it and runs every query on Virtuoso directly:
what the guard accepts never calls it.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from converter.contract import REGISTER_GRAPH
from server.errors import QueryError
from server.sparql.guard import check_query
from tests.remote.conftest import TripleStore
from tests.remote.helpers import raw_select, registered
from tests.support.sparql_protocol import METHODS, send_query
from tests.support.virtuoso_server import VirtuosoServer

pytestmark = [pytest.mark.remote, pytest.mark.virtuoso]


class Listener:
    """An HTTP server on 127.0.0.1 that records the path of every request it gets."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                listener.paths.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            do_POST = do_GET  # noqa: N815

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    listening = Listener()
    yield listening
    listening.close()


@pytest.fixture
def served(virtuoso: VirtuosoServer, fake_dist: Path) -> FlaskClient:
    """The server over the published Virtuoso, as ``make run`` with ``DX_STORE_URL``."""
    from server.app import create_app

    TripleStore("virtuoso", virtuoso).publish(fake_dist)
    app = create_app({"TESTING": True, "STORE_URL": virtuoso.query_url, "DIST_DIR": str(fake_dist)})
    return app.test_client()


def probes(listener: str) -> list[str]:
    """What the report ran, and the other spellings Virtuoso takes."""
    insert = "SPARQL INSERT DATA { GRAPH <urn:pwned> { <urn:a> <urn:b> <urn:c> } }"
    return [
        f"SELECT (bif:http_get('{listener}/openapi.json?ssrf=1') AS ?x) {{}}",
        f"SELECT (bif:exec('{insert}') AS ?x) {{}}",
        f"SELECT (bif:exec('SPARQL CLEAR GRAPH <{REGISTER_GRAPH}>') AS ?x) {{}}",
        "SELECT (bif:virtuoso_ini_path() AS ?x) {}",
        "SELECT (bif:sys_stat('st_dbms_ver') AS ?x) {}",
        f"SELECT (<bif:http_get>('{listener}/iri') AS ?x) {{}}",
        f"SELECT * {{ ?s ?p ?o FILTER(STRLEN(bif:http_get('{listener}/filter')) > 0) }}",
        f"SELECT * {{ ?s ?p ?o }} ORDER BY ?s bif:http_get('{listener}/order')",
        f"SELECT * {{ ?s ?p ?o }} LIMIT bif:length(bif:http_get('{listener}/limit'))",
        f"SELECT * {{ ?s <urn:p> ?o . ?s ?p `bif:http_get('{listener}/backquote')` }}",
        "SELECT * { ?s ?p ?o . ?o bif:contains 'x' }",
        f'DEFINE get:soft "replace" SELECT * FROM <{listener}/sponger> {{ ?s ?p ?o }}',
    ]


def test_virtuoso_functions_through_our_sparql_are_refused_and_reach_nothing(
    virtuoso: VirtuosoServer, served: FlaskClient, listener: Listener
) -> None:
    register, graphs = registered(virtuoso.query_url), set(virtuoso.graphs())
    assert register  # published: there is a register to protect
    for query in probes(listener.url):
        for method in METHODS:
            response = send_query(served, method, query)
            body = response.get_json()
            assert response.status_code == 400, (method, query, response.data[:300])
            assert body == {"ok": False, "error": body["error"], "status": 400}
            assert " / " in body["error"]  # the guard's words, English / Japanese
    assert listener.paths == []
    assert set(virtuoso.graphs()) == graphs  # no <urn:pwned>
    assert registered(virtuoso.query_url) == register
    # The oracle: sent straight to Virtuoso, the first probe does fetch from the listener.
    raw_select(virtuoso.query_url, probes(listener.url)[0])
    assert listener.paths == ["/openapi.json?ssrf=1"]


PROBE = "urn:x-dx-lod:probe"
PROLOGUE = "PREFIX p: <urn:x-dx-lod:> "
#: Where a query can hold a call; {C} is the call. Virtuoso runs some, refuses others.
PLACES = [
    "SELECT ({C} AS ?x) {{}}",
    "SELECT * {{ ?s ?p ?o FILTER {C} }} LIMIT 2",
    "SELECT * {{ ?s ?p ?o FILTER ({C}) }} LIMIT 2",
    "SELECT * {{ ?s ?p ?o . BIND ({C} AS ?x) }} LIMIT 2",
    "SELECT * {{ ?s ?p ?o }} ORDER BY ?s {C} LIMIT 2",
    "SELECT ?s {{ ?s ?p ?o }} GROUP BY ?s {C} LIMIT 2",
    "SELECT ?s {{ ?s ?p ?o }} GROUP BY ?s HAVING ({C}) LIMIT 2",
    "SELECT * {{ ?s ?p ?o }} LIMIT {C}",
    "SELECT * {{ ?s ?p ?o }} LIMIT 1 OFFSET {C}",
    "SELECT * {{ {{ SELECT * {{ ?s ?p ?o }} ORDER BY {C} LIMIT 2 }} }}",
    "SELECT ?s (SAMPLE({C}) AS ?x) {{ ?s ?p ?o }} GROUP BY ?s LIMIT 2",
    "SELECT * {{ ?s ?p ?o FILTER (?o IN ({C})) }} LIMIT 2",
    "SELECT * {{ ?s <urn:p> ?o . ?s ?p `{C}` }} LIMIT 2",
    "ASK {{ ?s ?p ?o FILTER EXISTS {{ ?s ?p ({C}) }} }}",
    # the same tokens as triple patterns and collections: nothing is called
    "SELECT * {{ ?s {C} }}",
    "SELECT * {{ ?s <urn:p> ({C}) }}",
    "SELECT * {{ ?s ?p (1 {C}) }}",
    "SELECT * {{ ?s ?p [ <urn:p> ({C}) ] }}",
    "CONSTRUCT {{ ?s <urn:p> ({C}) }} WHERE {{ ?s ?p ?o }} LIMIT 2",
    "SELECT * {{ ?s ?p ?o . {C} ?p ?o }}",
    "SELECT * {{ VALUES ?x {{ {C} }} }}",
    "DESCRIBE {C}",
    # '<' glued to a call: Virtuoso reads an IRI, as the guard's tokenizer does
    "SELECT * {{ ?s ?p ?o FILTER(?o<{C}>?s) }} LIMIT 2",
    "SELECT (1<{C}>0 AS ?x) {{}}",
]
CALLS = [f"<{PROBE}>('{{n}}')", "p:probe('{n}')"]


@pytest.fixture
def probe_procedure(virtuoso: VirtuosoServer) -> Iterator[str]:
    """A stored procedure ``DB.DBA."urn:x-dx-lod:probe"`` that logs its argument, callable
    by the query account; yields the name of its log table."""
    table = f"DB.DBA.DX_PROBE_{uuid.uuid4().hex[:8]}"
    virtuoso.sql(
        f"create table {table} (v varchar); "
        f'create procedure DB.DBA."{PROBE}" (in x any) {{ '
        f"insert into {table} (v) values (cast (x as varchar)); commit work; return 1; }}; "
        f'grant execute on DB.DBA."{PROBE}" to "SPARQL";'
    )
    yield table
    virtuoso.sql(f'drop procedure DB.DBA."{PROBE}"; drop table {table};')


def test_what_the_guard_accepts_never_calls_a_procedure(
    virtuoso: VirtuosoServer, probe_procedure: str
) -> None:
    queries = {}
    for place in PLACES:
        for call in CALLS:
            n = str(len(queries))
            queries[n] = PROLOGUE + place.format(C=call.format(n=n))
    accepted = set()
    for n, query in queries.items():
        try:
            check_query(query, max_length=20_000, known_graphs=frozenset, base_iri="http://x/")
            accepted.add(n)
        except QueryError:
            pass
        try:  # straight to Virtuoso, bypassing the guard
            raw_select(virtuoso.query_url, query)
        except Exception:  # noqa: BLE001 - Virtuoso refuses some; only the log matters
            pass
    output = virtuoso.sql(f"select v from {probe_procedure};")
    called = set(re.findall(r"^(\d+)\s*$", output, re.MULTILINE))
    assert called - set(queries) == set()
    assert not called & accepted, [queries[n] for n in sorted(called & accepted)]
    assert len(called) >= 20  # the oracle: Virtuoso calls it from 13 of these places
    assert len(accepted) >= 14  # collections and triple patterns stay usable
