"""``/sparql`` on the embedded store refuses functions that are not SPARQL's own (issue 26):
a 400 in the one error shape, from the guard, before the store; a function the settings
list reaches the store. (The rule itself: test_functions.py.)"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from rdflib import Graph, URIRef

from server.stores.local import LocalStore
from tests.sparql.conftest import sparql_app
from tests.support.sparql_protocol import JSON, METHODS, send_query

XSD = "http://www.w3.org/2001/XMLSchema#"
PREFIXES = f"PREFIX xsd: <{XSD}> PREFIX ex: <http://example.org/> "


def expression(call: str) -> str:
    return f"{PREFIXES}SELECT ({call} AS ?x) WHERE {{ BIND(1 AS ?v) }}"


PROBES = [
    "SELECT (bif:http_get('http://127.0.0.1:9/openapi.json?ssrf=1') AS ?x) {}",
    "SELECT (bif:exec('SPARQL INSERT DATA { GRAPH <urn:pwned> { <urn:a> <urn:b> <urn:c> } }') AS ?x) {}",
    "SELECT (<http://example.org/f>(1) AS ?x) {}",  # was a 502: Oxigraph knows no such function
    f"{PREFIXES}SELECT * {{ ?s ?p ?o FILTER(ex:f(?o)) }}",
]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("query", PROBES)
def test_the_endpoint_refuses_unknown_functions_on_the_embedded_store(
    client: FlaskClient, protocol_store: LocalStore, method: str, query: str
) -> None:
    before = len(protocol_store.oxigraph)
    response = send_query(client, method, query)
    assert response.status_code == 400
    body = response.get_json()
    assert body == {"ok": False, "error": body["error"], "status": 400}
    assert "functions" in body["error"] or "bif:" in body["error"]
    assert len(protocol_store.oxigraph) == before


def test_a_listed_function_reaches_the_embedded_store(protocol_store: LocalStore) -> None:
    query = expression("xsd:date('2026-12-07')")
    with sparql_app(protocol_store) as (app, _):
        refused = app.test_client().get("/sparql", query_string={"query": query}, headers=JSON)
    assert refused.status_code == 400
    assert "XSD casts" in refused.get_json()["error"]
    with sparql_app(protocol_store, SPARQL_EXTENSION_FUNCTIONS=f"{XSD}date") as (app, _):
        client = app.test_client()
        answered = client.get("/sparql", query_string={"query": query}, headers=JSON)
        unknown = client.get(
            "/sparql", query_string={"query": expression(f"<{XSD}gYear>('2026')")}, headers=JSON
        )
    assert answered.status_code == 200
    assert answered.get_json()["results"]["bindings"][0]["x"] == {
        "type": "literal",
        "value": "2026-12-07",
        "datatype": f"{XSD}date",
    }
    assert unknown.status_code == 400


def test_a_listed_function_the_embedded_store_lacks_is_a_400_not_a_502(
    protocol_store: LocalStore,
) -> None:
    query = expression("<http://example.org/f>(1)")
    with sparql_app(protocol_store, SPARQL_EXTENSION_FUNCTIONS="http://example.org/f") as (app, _):
        response = app.test_client().get("/sparql", query_string={"query": query}, headers=JSON)
    assert response.status_code == 400
    assert "not supported by the embedded store" in response.get_json()["error"]


def test_the_service_description_lists_the_extension_functions(
    protocol_store: LocalStore,
) -> None:
    extension = URIRef("http://www.w3.org/ns/sparql-service-description#extensionFunction")
    with sparql_app(protocol_store, SPARQL_EXTENSION_FUNCTIONS=f"{XSD}date") as (app, _):
        listed = app.test_client().get("/sparql", headers={"Accept": "text/turtle"})
    with sparql_app(protocol_store) as (app, _):
        unlisted = app.test_client().get("/sparql", headers={"Accept": "text/turtle"})
    functions = set(Graph().parse(data=listed.data, format="turtle").objects(None, extension))
    assert functions == {URIRef(f"{XSD}date")}
    assert not set(Graph().parse(data=unlisted.data, format="turtle").objects(None, extension))
