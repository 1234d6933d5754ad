"""Request handling that RFC 9110 decides (issue 12, defects D–H), on both stores.

- D: the service description names the configured endpoint IRI, never the Host header.
- E: downloads answer one byte range (206), refuse one past the end (416), and ignore a
  malformed or multi-range Range (200, §14.2); If-Range must hold; cache hits too.
- F: a failed If-Match (or If-Unmodified-Since) is a 412 with a short problem body, not the
  page; ``If-Match: *`` holds for every existing answer; preconditions come before Range.
- G: the ontology's HTML document may apply its own ``<style>`` (by hash), no other page.
- H: an Accept entry with an invalid qvalue is ignored, the same way on /id and /sparql.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from rdflib import Graph, URIRef

from converter.contract import DEFAULT_BASE_IRI
from server.negotiation import normalize_accept

TTL = "/download/dx-kpi.ttl"
SD = "http://www.w3.org/ns/sparql-service-description#"


def test_service_description_ignores_the_host_header(client: FlaskClient) -> None:
    response = client.get("/sparql", headers={"Accept": "text/turtle", "Host": "evil.example"})
    assert response.status_code == 200
    assert b"evil.example" not in response.data
    graph = Graph().parse(data=response.data, format="turtle")
    services = set(graph.subjects(URIRef(SD + "endpoint")))
    assert services == {URIRef(DEFAULT_BASE_IRI + "sparql")}


def ttl_bytes(dist_dir: Path) -> bytes:
    return (dist_dir / "download" / "dx-kpi.ttl").read_bytes()


@pytest.mark.parametrize(
    ("header", "start", "stop"),
    [
        ("bytes=0-9", 0, 10),
        ("bytes=100-199", 100, 200),
        ("bytes=-50", -50, None),
        ("bytes=1000-", 1000, None),
        ("BYTES = 5-5", 5, 6),
        ("bytes=0-999999999", 0, None),  # the end is clamped to the file
    ],
)
def test_one_range_is_206(
    client: FlaskClient, dist_dir: Path, header: str, start: int, stop: int | None
) -> None:
    whole = ttl_bytes(dist_dir)
    for _ in range(2):  # the second answer comes from the response cache
        response = client.get(TTL, headers={"Range": header, "Accept-Encoding": "identity"})
        assert response.status_code == 206, response.data[:200]
        assert response.data == whole[start:stop]
        first = start % len(whole)
        last = (stop % len(whole) if stop else len(whole)) - 1
        assert response.headers["Content-Range"] == f"bytes {first}-{last}/{len(whole)}"
        assert response.headers["Content-Length"] == str(len(response.data))


@pytest.mark.parametrize("header", ["bytes=99999999-", "bytes=-0"])
def test_a_range_past_the_end_is_416(client: FlaskClient, dist_dir: Path, header: str) -> None:
    response = client.get(TTL, headers={"Range": header, "Accept-Encoding": "identity"})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{len(ttl_bytes(dist_dir))}"
    assert response.get_json()["status"] == 416 and len(response.data) < 300


@pytest.mark.parametrize(
    "header",
    ["bytes=0-1,5-9", "bytes=0-0,-1", "bytes=garbage", "bytes=9-1", "items=0-9", "bytes", ""],
)
def test_other_ranges_are_ignored(client: FlaskClient, dist_dir: Path, header: str) -> None:
    """Several ranges, malformed ones and other units: the whole file (RFC 9110 §14.2)."""
    response = client.get(TTL, headers={"Range": header, "Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert response.data == ttl_bytes(dist_dir)
    assert response.headers["Accept-Ranges"] == "bytes"


def test_if_range_and_gzip(client: FlaskClient, dist_dir: Path) -> None:
    plain = client.get(TTL, headers={"Accept-Encoding": "identity"})
    etag, modified = plain.headers["ETag"], plain.headers["Last-Modified"]
    for validator, status in ((etag, 206), (modified, 206), ('"stale"', 200), ("junk", 200)):
        response = client.get(
            TTL,
            headers={"Range": "bytes=0-9", "If-Range": validator, "Accept-Encoding": "identity"},
        )
        assert response.status_code == status, validator
    zipped = client.get(TTL, headers={"Range": "bytes=0-1", "Accept-Encoding": "gzip"})
    assert zipped.status_code == 206 and zipped.data == b"\x1f\x8b"  # the encoded bytes
    assert zipped.headers["Content-Encoding"] == "gzip"
    head = client.head(TTL, headers={"Range": "bytes=0-9"})
    assert head.status_code == 200  # Range is defined for GET only


def test_pages_offer_no_ranges(client: FlaskClient) -> None:
    response = client.get("/", headers={"Range": "bytes=0-9"})
    assert response.status_code == 200 and "Accept-Ranges" not in response.headers


@pytest.mark.parametrize("path", ["/", TTL, "/id/kpi/2"])
def test_if_match(client: FlaskClient, path: str) -> None:
    gzip = {"Accept-Encoding": "gzip"}  # the gzip variant has its own ETag
    current = client.get(path, headers=gzip).headers["ETag"]
    for header, status in (("*", 200), (current, 200), ('"other"', 412), ("garbage", 412)):
        response = client.get(path, headers={"If-Match": header, **gzip})
        assert response.status_code == status, header
        if status == 412:
            assert len(response.data) < 300 and response.get_json()["status"] == 412
            assert "Content-Encoding" not in response.headers
            assert response.headers["Cache-Control"] == "no-store"


def test_preconditions_come_before_range(client: FlaskClient) -> None:
    etag = client.get(TTL).headers["ETag"]
    assert client.get(TTL, headers={"If-Match": '"x"', "Range": "bytes=0-9"}).status_code == 412
    assert client.get(TTL, headers={"If-None-Match": etag, "Range": "bytes=0-9"}).status_code == 304
    old = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert client.get(TTL, headers={"If-Unmodified-Since": old}).status_code == 412


@pytest.mark.parametrize(
    "headers",
    [
        {"If-None-Match": "garbage"},
        {"If-Modified-Since": "not a date"},
        {"If-Unmodified-Since": "not a date"},
        {"If-None-Match": ""},
    ],
)
def test_invalid_conditions_are_ignored(client: FlaskClient, headers: dict[str, str]) -> None:
    for path in ("/", TTL):
        assert client.get(path, headers=headers).status_code == 200, (path, headers)


def test_only_the_ontology_document_may_use_its_inline_style(
    client: FlaskClient, dist_dir: Path
) -> None:
    html = (dist_dir / "download" / "ontology.html").read_bytes()
    styles = re.findall(rb"<style>(.*?)</style>", html, re.DOTALL)
    assert styles
    csp = client.get("/download/ontology.html").headers["Content-Security-Policy"]
    for css in styles:
        digest = base64.b64encode(hashlib.sha256(css).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp
    for page in ("/", "/download/", "/id/kpi/2"):
        policy = client.get(page).headers["Content-Security-Policy"]
        assert "style-src 'self';" in policy and "sha256" not in policy, page


INVALID_Q = ["nan", "inf", "-1", "1.5", "abc", "1.0000", "0.1234", "", "NaN", "1e0"]


@pytest.mark.parametrize("q", INVALID_Q)
def test_an_invalid_qvalue_drops_its_entry_on_every_route(client: FlaskClient, q: str) -> None:
    # With the entry ignored, the rest of the header decides…
    page = client.get("/id/kpi/2", headers={"Accept": f"text/turtle;q={q}, text/html;q=0.5"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    accept = f"application/sparql-results+xml;q={q}, application/sparql-results+json;q=0.5"
    answer = client.get("/sparql?query=ASK%7B%7D", headers={"Accept": accept})
    assert answer.status_code == 200 and answer.mimetype == "application/sparql-results+json"
    # …and a header left empty says nothing: each route's default, not a 406.
    alone = {"Accept": f"text/turtle;q={q}"}
    assert client.get("/id/kpi/2", headers=alone).mimetype == "text/html"
    default = client.get("/sparql?query=ASK%7B%7D", headers=alone)
    assert default.mimetype == "application/sparql-results+json"


@pytest.mark.parametrize(
    ("header", "normal"),
    [
        ("text/turtle;q=0.5", "text/turtle;q=0.5"),
        ("text/turtle ; Q=1.000", "text/turtle;q=1.000"),
        ("application/ld+json;profile=x;q=0", "application/ld+json;q=0"),
        ("text/turtle;q=nan, */*;q=0.1", "*/*;q=0.1"),
        (",,, ;q=1", ""),
        ("a/b," * 500, ", ".join(["a/b"] * 100)),  # entries past the 100th are not read
    ],
)
def test_normalize_accept(header: str, normal: str) -> None:
    assert normalize_accept(header) == normal
