"""Every route × every content type, on both the local and the remote store."""

from __future__ import annotations

import pytest
from rdflib import Graph

from converter.formats import RDF_FORMATS, Format
from server.web.common.representations import PAGE_FORMATS

B = "https://data.pref.fukushima.lg.jp/dx/"
PAGES = ["/", "/plan", "/projects", "/kpis", "/download/", "/catalog", "/.well-known/void"]
RESOURCES = [
    "/id/kpi/2",
    "/id/kpi/3",
    "/id/project/fy2023/8",
    "/id/plan",
    "/id/plan/I",
    "/id/org/somu-bu",
    "/id/report/fy2023",
    "/id/dataset/dx-kpi",
]
RDF_ROUTES = [*RESOURCES, "/catalog", "/.well-known/void", "/ontology"]


@pytest.mark.parametrize("path", PAGES + RESOURCES + ["/ontology"])
def test_html_pages(client, path: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, response.data[:500]
    assert response.mimetype == "text/html"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    if path != "/ontology":  # the ontology page is a static file of the build
        assert "Content-Security-Policy" in response.headers
        assert b'lang="ja"' in response.data


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=lambda f: f.name)
@pytest.mark.parametrize("path", RDF_ROUTES)
def test_rdf_by_accept(client, path: str, fmt: Format) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path, headers={"Accept": fmt.media_type})
    assert response.status_code == 200, response.data[:500]
    assert response.content_type == f"{fmt.media_type}; charset=utf-8"
    assert "Accept" in response.headers.get("Vary", "")
    graph = Graph().parse(data=response.data, format=fmt.rdflib_name.replace("pretty-", ""))
    assert len(graph) > 0
    # The data keeps canonical IRIs whichever host served it.
    assert not any("localhost" in str(t) for triple in graph for t in triple)


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=lambda f: f.name)
@pytest.mark.parametrize("path", [*RESOURCES, "/catalog"])
def test_rdf_by_extension(client, path: str, fmt: Format) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"{path}.{fmt.extension}", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.mimetype == fmt.media_type


@pytest.mark.parametrize("path", RDF_ROUTES + ["/download/dx-kpi.ttl"])
def test_head(client, path: str) -> None:  # type: ignore[no-untyped-def]
    get = client.get(path, headers={"Accept": "text/turtle"})
    head = client.head(path, headers={"Accept": "text/turtle"})
    assert head.status_code == 200 and head.data == b""
    assert head.content_type == get.content_type


@pytest.mark.parametrize("path", RDF_ROUTES)
def test_unsupported_type_is_406_naming_supported(client, path: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path, headers={"Accept": "image/png"})
    assert response.status_code == 406
    body = response.get_json()
    assert body["ok"] is False and body["status"] == 406
    assert all(f.media_type in body["error"] for f in PAGE_FORMATS)


def test_ckan_json(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/catalog/ckan.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    package = response.get_json()
    assert package["name"] and package["name"].isascii()
    assert package["title"] and package["resources"]
    assert all(r["url"].startswith(B) and r["format"] for r in package["resources"])


def test_favicon(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/favicon.ico").status_code == 200
