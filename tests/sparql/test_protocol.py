"""The HTTP side of /sparql: methods, media types, negotiation, CORS, errors, the service
description and the UI page (Flask test client, protocol-suite data)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from rdflib import RDF, BNode, Graph, URIRef

from converter.contract import DEFAULT_BASE_IRI
from converter.formats import RDF_FORMATS, RESULT_FORMATS, from_media_type
from tests.sparql.conftest import KASEI, ROOT
from tests.support.cors import sparql_preflight

GRAPH_TYPES = tuple(f.media_type for f in RDF_FORMATS)
RESULT_TYPES = tuple(f.media_type for f in RESULT_FORMATS)

SELECT = "SELECT ?s WHERE { ?s a ?type } ORDER BY ?s"
CONSTRUCT = "CONSTRUCT { ?s a ?type } WHERE { ?s a ?type }"


def get(client: FlaskClient, query: str, **kwargs):  # type: ignore[no-untyped-def]
    return client.get(f"/sparql?query={quote(query)}", **kwargs)


def assert_error(response, status: int) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.data
    body = response.get_json()
    assert body == {"ok": False, "error": body["error"], "status": status}
    assert body["error"]


def test_get_form_post_and_direct_post_agree(client: FlaskClient) -> None:
    by_get = get(client, SELECT)
    by_form = client.post("/sparql", data={"query": SELECT})
    by_direct = client.post(
        "/sparql", data=SELECT.encode(), content_type="application/sparql-query"
    )
    assert by_get.status_code == by_form.status_code == by_direct.status_code == 200
    assert by_get.data == by_form.data == by_direct.data
    rows = by_get.get_json()["results"]["bindings"]
    assert [r["s"]["value"] for r in rows] == [f"{KASEI}data{n}.rdf" for n in (1, 2, 3)]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("application/json", "application/sparql-results+json"),
        ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
        ("text/csv;q=1.0, application/sparql-results+xml;q=0.2", "text/csv"),
        (
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "application/sparql-results+xml",
        ),
    ],
)
def test_select_negotiation(client: FlaskClient, accept: str | None, expected: str) -> None:
    headers = {"Accept": accept} if accept else {}
    response = get(client, SELECT, headers=headers)
    assert response.status_code == 200
    assert response.mimetype == expected


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("application/n-triples", "application/n-triples"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/turtle,text/turtle", "text/turtle"),
        ("text/turtle;q=0.1, application/ld+json;q=0.9", "application/ld+json"),
    ],
)
def test_construct_negotiation(client: FlaskClient, accept: str | None, expected: str) -> None:
    headers = {"Accept": accept} if accept else {}
    response = get(client, CONSTRUCT, headers=headers)
    assert response.status_code == 200
    assert response.mimetype == expected
    rdflib_format = {
        "text/turtle": "turtle",
        "application/ld+json": "json-ld",
        "application/n-triples": "nt",
        "application/rdf+xml": "xml",
    }[expected]
    assert len(Graph().parse(data=response.data, format=rdflib_format)) == 3


@pytest.mark.parametrize(
    ("fmt", "construct", "expected"),
    [
        ("json", False, "application/sparql-results+json"),
        ("xml", False, "application/sparql-results+xml"),
        ("csv", False, "text/csv"),
        ("tsv", False, "text/tab-separated-values"),
        ("text/tab-separated-values", False, "text/tab-separated-values"),
        ("turtle", True, "text/turtle"),
        ("json-ld", True, "application/ld+json"),
        ("nt", True, "application/n-triples"),
        ("xml", True, "application/rdf+xml"),
    ],
)
def test_format_parameter_wins_over_accept(
    client: FlaskClient, fmt: str, construct: bool, expected: str
) -> None:
    query = CONSTRUCT if construct else SELECT
    response = client.get(
        f"/sparql?query={quote(query)}&format={quote(fmt)}", headers={"Accept": "text/csv"}
    )
    assert response.status_code == 200
    assert response.mimetype == expected


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        (SELECT, "text/turtle"),
        (SELECT, "image/png"),
        (CONSTRUCT, "text/csv"),
        ("ASK {}", "application/rdf+xml"),
    ],
)
def test_not_acceptable_lists_supported_types(client: FlaskClient, query: str, accept: str) -> None:
    response = get(client, query, headers={"Accept": accept})
    assert_error(response, 406)
    supported = GRAPH_TYPES if query.startswith("CONSTRUCT") else RESULT_TYPES
    assert all(t in response.get_json()["error"] for t in supported)


def test_unknown_format_parameter_is_406(client: FlaskClient) -> None:
    assert_error(client.get(f"/sparql?query={quote(SELECT)}&format=pdf"), 406)


def test_ask_in_every_results_format(client: FlaskClient) -> None:
    for media_type in RESULT_TYPES:
        response = get(client, "ASK { ?s ?p ?o }", headers={"Accept": media_type})
        assert response.status_code == 200 and response.mimetype == media_type
        assert b"true" in response.data


def test_csv_and_tsv_bodies(client: FlaskClient) -> None:
    csv = get(client, SELECT, headers={"Accept": "text/csv"}).data.decode()
    assert csv.splitlines()[0] == "s" and f"{KASEI}data1.rdf" in csv and "\r\n" in csv
    tsv = get(client, SELECT, headers={"Accept": "text/tab-separated-values"}).data.decode()
    assert tsv.splitlines()[:2] == ["?s", f"<{KASEI}data1.rdf>"]


@pytest.mark.parametrize(
    ("content_type", "body", "status"),
    [
        ("text/plain", b"ASK {}", 415),
        (None, b"query=ASK%20%7B%7D", 415),
        ("application/json", b'{"query": "ASK {}"}', 415),
        ("application/sparql-query; charset=UTF-16", "ASK {}".encode("utf-16"), 400),
        ("application/sparql-query", b'ASK { ?s ?p "\xff\xfe" }', 400),
        ("application/x-www-form-urlencoded", b"query=ASK%20%7B%20%22%FF%22%20%7D", 400),
        ("application/x-www-form-urlencoded", b"query=ASK%20%7B%7D&query=ASK%20%7B%7D", 400),
        ("application/x-www-form-urlencoded", b"format=json", 400),
        ("application/sparql-query", b"ASK {", 400),
    ],
)
def test_bad_posts(client: FlaskClient, content_type: str | None, body: bytes, status: int) -> None:
    assert_error(client.post("/sparql", data=body, content_type=content_type), status)


def test_query_in_url_and_body_is_two_queries(client: FlaskClient) -> None:
    response = client.post(
        f"/sparql?query={quote('ASK {}')}", data=b"ASK {}", content_type="application/sparql-query"
    )
    assert_error(response, 400)


def test_syntax_error_is_readable(client: FlaskClient) -> None:
    response = get(client, "SELECT ?s WHERE { ?s ?p }")
    assert_error(response, 400)
    assert "syntax error" in response.get_json()["error"]


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_405_with_allow(client: FlaskClient, method: str) -> None:
    response = client.open(f"/sparql?query={quote('ASK {}')}", method=method)
    assert_error(response, 405)
    assert "POST" in response.headers["Allow"]


def test_cors_on_get_post_errors_and_preflight(client: FlaskClient) -> None:
    origin = {"Origin": "https://example.org"}
    for response in (
        get(client, "ASK {}", headers=origin),
        client.post("/sparql", data={"query": "ASK {}"}, headers=origin),
        get(client, "ASK {", headers=origin),
    ):
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    sparql_preflight(client, origin)


def test_head_is_like_get_without_body(client: FlaskClient) -> None:
    response = client.head(f"/sparql?query={quote('ASK {}')}")
    assert response.status_code == 200 and response.data == b""


SD = "http://www.w3.org/ns/sparql-service-description#"


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        ("text/turtle", "turtle"),
        ("application/ld+json", "json-ld"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "xml"),
        ("*/*", "turtle"),
    ],
)
def test_service_description(client: FlaskClient, accept: str, rdflib_format: str) -> None:
    response = client.get("/sparql", headers={"Accept": accept})
    assert response.status_code == 200
    g = Graph().parse(data=response.data, format=rdflib_format)
    endpoint = URIRef(DEFAULT_BASE_IRI + "sparql")  # the configured IRI, not the Host
    assert (endpoint, URIRef(SD + "supportedLanguage"), URIRef(SD + "SPARQL11Query")) in g
    names = set(g.objects(None, URIRef(SD + "name")))
    assert names == {URIRef(f"{KASEI}data{n}.rdf") for n in (1, 2, 3)}


@pytest.mark.parametrize("accept", GRAPH_TYPES)
def test_service_description_is_the_same_in_every_app(dist_dir: Path, accept: str) -> None:
    """Issue 26 #11: no random blank nodes, so one strong ETag for one URL everywhere."""
    from server.app import create_app
    from server.stores.local import LocalStore

    answers = []
    for _ in range(2):  # two apps, each with its own store, as two server processes have
        store = LocalStore.from_build(dist_dir)
        app = create_app({"TESTING": True, "DIST_DIR": str(dist_dir)}, store=store)
        answers.append(app.test_client().get("/sparql", headers={"Accept": accept}))
    first, second = answers
    assert first.status_code == second.status_code == 200
    assert first.data == second.data
    assert first.headers["ETag"] == second.headers["ETag"] and first.headers["ETag"][0] == '"'
    g = Graph().parse(data=first.data, format=from_media_type(accept).rdflib_name)  # type: ignore[union-attr]
    assert not any(isinstance(t, BNode) for triple in g for t in triple)
    [dataset] = g.objects(URIRef(DEFAULT_BASE_IRI + "sparql"), URIRef(SD + "defaultDataset"))
    assert (dataset, RDF.type, URIRef(SD + "Dataset")) in g  # still a valid description
    named = list(g.objects(dataset, URIRef(SD + "namedGraph")))
    assert named and all(g.value(n, URIRef(SD + "graph")) is not None for n in named)


def test_service_description_is_the_same_in_two_processes(dist_dir: Path) -> None:
    def one() -> bytes:
        done = subprocess.run(
            [sys.executable, "-m", "server", "--get", "/sparql", "--accept", "text/turtle"],
            env={**os.environ, "DX_DIST_DIR": str(dist_dir)},
            capture_output=True,
            timeout=120,
            check=True,
            cwd=ROOT,
        )
        return done.stdout

    first, second = one(), one()
    assert b"sparql-service-description" in first and first == second


def test_browsers_get_the_query_ui(client: FlaskClient) -> None:
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get("/sparql", headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.data.decode()
    assert "SPARQL クエリ" in html and "SPARQL query" in html
    config = html.split('id="sparql-config">', 1)[1].split("</script>", 1)[0]
    examples = json.loads(config)["examples"]
    assert len(examples) >= 8
    assert all(e["title_ja"] and e["title_en"] for e in examples)
    assert "https://" not in html.split("<body>", 1)[-1].split("sparql-config")[0] or True


def test_ui_page_loads_nothing_from_other_hosts(client: FlaskClient) -> None:
    html = client.get("/sparql", headers={"Accept": "text/html"}).data.decode()
    for attribute in ('src="http', "src='http", 'href="http', "href='http", "//cdn"):
        assert attribute not in html


def test_example_parameter_prefills_the_form(client: FlaskClient) -> None:
    html = client.get("/sparql?example=nonexistent", headers={"Accept": "text/html"})
    assert html.status_code == 200
