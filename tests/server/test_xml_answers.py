"""Issue 26 #8: no XML answer is ill-formed. A literal with a character XML 1.0 cannot carry
(a C0 control, U+FFFE, U+FFFF) gets 406 in RDF/XML and SPARQL Results XML, and U+FFFD in the
documents for people (the Atom feed, a chart's SVG); every 200 XML answer parses.

On the embedded store and a real ``oxigraph serve`` (``client`` and ``ctrl_client``), each
answer read by lxml, a conforming XML 1.0 parser that refuses what is not well-formed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from lxml import etree

from server.web.changes.atom import FeedText, feed_xml
from tests.support.fakedist import write_page_dist

XML_RESULTS = "application/sparql-results+xml"
RDF_XML = "application/rdf+xml"
SRX = "{http://www.w3.org/2005/sparql-results#}"
#: One character of each kind XML 1.0 refuses: C0 controls, U+FFFE, U+FFFF.
REFUSED = ["\x01", "\x08", "\x0b", "\x1f", "\ufffe", "\uffff"]
B = "https://data.pref.fukushima.lg.jp/dx/"
#: Data that other tools could load into a remote store (the converter refuses it).
CONTROL = f"""
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<{B}graph/fy2023> {{ <{B}id/kpi/2> skos:prefLabel "Online\\u0001procedures"@en . }}
<{B}graph/catalog> {{ <{B}id/dataset/dx-kpi> rdfs:label "KPI\\u0002data"@en . }}
"""


def parse(body: bytes) -> Any:
    """The root element; lxml raises XMLSyntaxError on anything not well-formed."""
    return etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))


def sparql(client: Any, query: str, accept: str | None = None, **args: str) -> Any:
    extra = "".join(f"&{k}={quote(v)}" for k, v in args.items())
    headers = {"Accept": accept} if accept else {}
    return client.get(f"/sparql?query={quote(query)}{extra}", headers=headers)


def literal(char: str) -> str:
    return f'"a\\u{ord(char):04X}b"'


def assert_refused(response: Any, char: str) -> None:
    assert response.status_code == 406, response.data[:300]
    message = response.get_json()["error"]
    assert f"U+{ord(char):04X}" in message and "XML 1.0" in message and "JSON" in message


@pytest.mark.parametrize("char", REFUSED)
def test_select_in_xml_is_refused_and_other_formats_answer(client: Any, char: str) -> None:
    query = f"SELECT ({literal(char)} AS ?x) {{}}"
    assert_refused(sparql(client, query, format="xml"), char)
    assert_refused(sparql(client, query, XML_RESULTS), char)
    json = sparql(client, query, "application/sparql-results+json")
    assert json.status_code == 200
    assert json.get_json()["results"]["bindings"][0]["x"]["value"] == f"a{char}b"


@pytest.mark.parametrize("char", REFUSED)
def test_construct_in_rdf_xml_is_refused_and_turtle_answers(client: Any, char: str) -> None:
    query = f"CONSTRUCT {{ <urn:s> <urn:p> {literal(char)} }} WHERE {{}}"
    assert_refused(sparql(client, query, RDF_XML), char)
    assert_refused(sparql(client, query, format="xml"), char)
    assert sparql(client, query, "text/turtle").status_code == 200


def test_xml_answers_that_can_be_written_parse_and_keep_cr(client: Any) -> None:
    text = "line\r\nnext\ttab ü 日本"
    query = 'SELECT ("line\\r\\nnext\\ttab ü 日本" AS ?x) ?kpi {} '
    root = parse(sparql(client, query, XML_RESULTS).data)
    assert root.find(f".//{SRX}literal").text == text  # a raw CR would read as LF
    construct = 'CONSTRUCT { <urn:s> <urn:p> "line\\r\\nnext" } WHERE {}'
    graph = parse(sparql(client, construct, RDF_XML).data)
    assert [e.text for e in graph.iter("{urn:}p")] == ["line\r\nnext"]
    assert parse(sparql(client, "ASK {}", XML_RESULTS).data).find(f"{SRX}boolean") is not None
    for path in ("/id/kpi/2.rdf", "/catalog.rdf", "/changes.atom", "/dashboard/kpi/2.svg"):
        response = client.get(path)
        assert response.status_code == 200, path
        parse(response.data)
    description = client.get("/sparql", headers={"Accept": RDF_XML})
    assert description.status_code == 200 and parse(description.data) is not None


@pytest.fixture(scope="module")
def ctrl_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_page_dist(tmp_path_factory.mktemp("control"), extra_trig=CONTROL)


@pytest.fixture(scope="module", params=["local", "remote"])
def ctrl_client(
    request: pytest.FixtureRequest, ctrl_dist: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """The app on the build with control characters, on each kind of store."""
    from converter.publish import publish
    from server.app import create_app
    from server.stores.local import LocalStore
    from server.stores.remote import RemoteStore
    from tests.support.oxigraph_server import OxigraphServer

    config = {"TESTING": True, "DIST_DIR": str(ctrl_dist)}
    if request.param == "local":
        yield create_app(config, store=LocalStore.from_build(ctrl_dist)).test_client()
        return
    with OxigraphServer(tmp_path_factory.mktemp("oxigraph-control")) as server:
        publish(ctrl_dist, store_url=server.store_url, query_url=server.query_url)
        yield create_app(config, store=RemoteStore(server.query_url)).test_client()


@pytest.mark.parametrize(("path", "char"), [("/id/kpi/2.rdf", "\x01"), ("/catalog.rdf", "\x02")])
def test_data_in_rdf_xml_is_refused(ctrl_client: Any, path: str, char: str) -> None:
    assert_refused(ctrl_client.get(path), char)
    turtle = ctrl_client.get(path.replace(".rdf", ".ttl"))
    assert turtle.status_code == 200 and char.encode() in turtle.data  # the data, unchanged
    assert ctrl_client.get(path, headers={"Accept": RDF_XML}).status_code == 406


def test_data_through_sparql_in_xml_is_refused(ctrl_client: Any) -> None:
    query = f"SELECT ?l WHERE {{ <{B}id/kpi/2> ?p ?l FILTER(CONTAINS(STR(?l), 'Online')) }}"
    assert_refused(sparql(ctrl_client, query, XML_RESULTS), "\x01")
    query = f"CONSTRUCT WHERE {{ <{B}id/kpi/2> ?p ?o }}"
    assert_refused(sparql(ctrl_client, query, RDF_XML), "\x01")


def test_documents_for_people_replace_the_character(ctrl_client: Any) -> None:
    response = ctrl_client.get("/dashboard/kpi/2.svg?lang=en")  # the KPI's label is its title
    assert response.status_code == 200, response.data[:300]
    assert "Online\ufffdprocedures" in "".join(parse(response.data).itertext())
    app = ctrl_client.application
    with app.test_request_context("/changes.atom"):
        text = FeedText("Changes\x01", "sub\uffff", "Fukushima\x02Prefecture", "en", "", "")
        feed = parse(feed_xml([], {2023: "2024-03-31T00:00:00+09:00"}, [], text))
    assert "Changes\ufffd" in feed.findtext("{http://www.w3.org/2005/Atom}title")
    assert "Fukushima\ufffdPrefecture" in "".join(feed.itertext())
    assert ctrl_client.get("/changes.atom").status_code == 200
