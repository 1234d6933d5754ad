"""Which representation ``*/*``, no ``Accept`` and a browser get, path by path.

Machine-first (``/catalog``, ``/.well-known/void``, ``/ontology``): RDF (Turtle) unless the
client names HTML itself, as browsers do; portals harvest with requests' default ``*/*``.
The JSON-LD context is a download: always ``application/ld+json``. Resource IRIs ``/id/…``
are people-first: ``*/*`` and no ``Accept`` get the page (browsers, link previews); RDF
clients name an RDF type, and crawlers follow the ``.ttl`` alternate the ``Link`` header
advertises. Checked with the Flask client on both stores and with real ``requests`` calls
against granian, as deployed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph

from tests.support.live_server import live_server

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
MACHINE_FIRST = ("/catalog", "/.well-known/void", "/ontology")
TURTLE, HTML, JSON_LD = "text/turtle", "text/html", "application/ld+json"
NO_ACCEPT = None  # the request carries no Accept header at all

TABLE = [
    *(
        (path, accept, expected)
        for path in MACHINE_FIRST
        for accept, expected in (
            (NO_ACCEPT, TURTLE),
            ("*/*", TURTLE),
            (BROWSER, HTML),
            ("text/html", HTML),
            ("application/xhtml+xml", HTML),
            ("text/*", TURTLE),
            ("text/html;q=0, */*", TURTLE),
            ("application/ld+json", JSON_LD),
            ("application/rdf+xml, */*;q=0.1", "application/rdf+xml"),
            ("text/turtle;q=0.5, text/html", HTML),
        )
    ),
    ("/download/context.jsonld", NO_ACCEPT, JSON_LD),
    ("/download/context.jsonld", "*/*", JSON_LD),
    ("/download/context.jsonld", BROWSER, JSON_LD),
    ("/id/kpi/2", NO_ACCEPT, HTML),
    ("/id/kpi/2", "*/*", HTML),
    ("/id/kpi/2", BROWSER, HTML),
    ("/id/kpi/2", "text/turtle", TURTLE),
    ("/id/project/fy2023/8", "*/*", HTML),
]


def _headers(accept: str | None) -> dict[str, str]:
    return {} if accept is None else {"Accept": accept}


@pytest.mark.parametrize(("path", "accept", "expected"), TABLE)
def test_media_type(client, path: str, accept: str | None, expected: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path, headers=_headers(accept))
    assert response.status_code == 200, (path, accept)
    assert response.mimetype == expected, (path, accept)


@pytest.mark.parametrize("path", MACHINE_FIRST)
def test_machine_first_answers_parse_and_vary(client, path: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path, headers={"Accept": "*/*"})
    assert len(Graph().parse(data=response.data, format="turtle")) > 0
    assert "Accept" in response.headers["Vary"]


@pytest.mark.parametrize("path", MACHINE_FIRST)
def test_unacceptable_names_html_too(client, path: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/html" in response.get_data(as_text=True)


def test_resource_page_advertises_turtle(client) -> None:  # type: ignore[no-untyped-def]
    """People-first ``*/*`` is fine for crawlers: the Link header names the Turtle variant."""
    response = client.get("/id/kpi/2", headers={"Accept": "*/*"})
    assert '</id/kpi/2.ttl>; rel="alternate"; type="text/turtle"' in response.headers["Link"]


@pytest.fixture(scope="module")
def server_url(dist_dir: Path) -> Iterator[str]:
    """The real server (``python -m server``, granian as deployed) on a free port."""
    with live_server(dist_dir) as url:
        yield url


@pytest.mark.parametrize(
    ("path", "accept", "expected"),
    [row for row in TABLE if row[1] in (NO_ACCEPT, "*/*", BROWSER)],
)
def test_real_requests(server_url: str, path: str, accept: str | None, expected: str) -> None:
    """``requests`` as clients use it: its own default headers (``Accept: */*``), none, a
    browser's."""
    import requests

    session = requests.Session()
    assert session.headers["Accept"] == "*/*"  # requests' default, which harvesters keep
    if accept is NO_ACCEPT:
        headers: dict[str, str | None] = {"Accept": None}  # requests then sends none
    elif accept == "*/*":
        headers = {}  # exactly requests' defaults
    else:
        headers = {"Accept": accept}
    for method in (session.head, session.get):
        response = method(server_url + path, headers=headers, timeout=10)
        sent = response.request.headers.get("Accept")
        assert sent == accept, (path, sent)
        assert response.status_code == 200, (path, accept)
        assert response.headers["Content-Type"].split(";")[0] == expected, (path, accept)


def test_harvester_fetch_over_http(server_url: str) -> None:
    """ckanext-dcat's harvester: HEAD, then GET, parse with the answered media type."""
    pytest.importorskip("ckanext.dcat")
    import warnings

    import requests

    session = requests.Session()
    assert session.head(server_url + "/catalog").ok
    response = session.get(server_url + "/catalog", stream=True)
    content = b"".join(response.iter_content(chunk_size=512 * 1024)).decode("utf-8")
    media_type = response.headers["content-type"].split(";", 1)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from ckanext.dcat.processors import RDFParser

        parser = RDFParser()
        parser.parse(content, _format=media_type)
        datasets = list(parser.datasets())
    assert media_type == "text/turtle" and len(datasets) == 1
