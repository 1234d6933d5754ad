"""/download/<name>: media types, disposition, gzip, validators, HEAD, no traversal."""

from __future__ import annotations

import gzip
import hashlib

import pytest

from converter.contract import Manifest

EXPECTED = {
    "dx-kpi.ttl": "text/turtle; charset=utf-8",
    "dx-kpi.jsonld": "application/ld+json; charset=utf-8",
    "dx-kpi.nt": "application/n-triples; charset=utf-8",
    "dx-kpi.rdf": "application/rdf+xml; charset=utf-8",
    "dx-kpi-fy2023.csv": "text/csv; charset=utf-8",
    "dx-kpi-fy2023.csv-metadata.json": "application/csvm+json; charset=utf-8",
    "context.jsonld": "application/ld+json; charset=utf-8",
    "ontology.ttl": "text/turtle; charset=utf-8",
    "shapes.ttl": "text/turtle; charset=utf-8",
}


@pytest.mark.parametrize(("name", "content_type"), EXPECTED.items())
def test_download(client, dist_dir, name: str, content_type: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/download/{name}")
    assert response.status_code == 200
    assert response.content_type == content_type
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    assert response.data == (dist_dir / "download" / name).read_bytes()
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    assert "Accept-Encoding" in response.headers["Vary"]


def test_every_manifest_file_is_served(client, dist_dir) -> None:  # type: ignore[no-untyped-def]
    entries = Manifest.read(dist_dir).files
    assert {e.name for e in entries} >= set(EXPECTED)
    for entry in entries:
        response = client.get(f"/download/{entry.name}")
        assert response.status_code == 200, entry.name
        assert response.headers["ETag"].strip('"') == entry.sha256
        assert hashlib.sha256(response.data).hexdigest() == entry.sha256


def test_gzip_when_accepted(client, dist_dir) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/download/dx-kpi.nt", headers={"Accept-Encoding": "gzip, br"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.data) == (dist_dir / "download" / "dx-kpi.nt").read_bytes()
    plain = client.get("/download/dx-kpi.nt", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert plain.headers["ETag"] != response.headers["ETag"]


def test_revalidation_304(client) -> None:  # type: ignore[no-untyped-def]
    first = client.get("/download/dx-kpi.ttl")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert client.get("/download/dx-kpi.ttl", headers={"If-None-Match": etag}).status_code == 304
    again = client.get("/download/dx-kpi.ttl", headers={"If-Modified-Since": modified})
    assert again.status_code == 304 and again.data == b""
    assert (
        client.get("/download/dx-kpi.ttl", headers={"If-None-Match": '"other"'}).status_code == 200
    )


def test_head(client) -> None:  # type: ignore[no-untyped-def]
    head = client.head("/download/dx-kpi.ttl")
    assert head.status_code == 200 and head.data == b""
    assert int(head.headers["Content-Length"]) > 0


@pytest.mark.parametrize(
    "name",
    [
        "../manifest.json",
        "..%2Fmanifest.json",
        "%2e%2e/manifest.json",
        "../graphs/fy2023.nt",
        "graphs/fy2023.nt",
        "/etc/passwd",
        "..\\manifest.json",
        "download/dx-kpi.ttl",
        "dx-kpi.ttl/",
        "nope.ttl",
        "%00",
        "dx-kpi.ttl%00.txt",
    ],
)
def test_no_traversal(client, name: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/download/{name}", follow_redirects=True)
    assert response.status_code == 404  # ("//etc" is first merged to "/etc" by a 308)
