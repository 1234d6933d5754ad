"""/openapi.json: a valid OpenAPI 3.1 document of every route, served and linked.

The answers themselves are checked against it by tests/harden/test_openapi_fuzz.py.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from converter.formats import ALL, HTML, RDF_FORMATS, RESULT_FORMATS
from server.sparql import protocol
from server.web.openapi import ASSETS, openapi_path

METHODS = ("get", "head", "post", "put", "delete", "patch", "options")


@pytest.fixture(scope="module")
def local_app(local_store: Any, dist_dir: Path) -> Flask:
    from server.app import create_app

    return create_app({"TESTING": True, "DIST_DIR": str(dist_dir)}, store=local_store)


@pytest.fixture(scope="module")
def document(local_app: Flask) -> dict[str, Any]:
    response = local_app.test_client().get("/openapi.json")
    assert response.status_code == 200
    found = response.get_json()
    assert isinstance(found, dict)
    return found


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    validate(document, cls=OpenAPIV31SpecValidator)


def test_every_route_is_described_and_nothing_else(
    local_app: Flask, document: dict[str, Any]
) -> None:
    rules = [r for r in local_app.url_map.iter_rules() if r.endpoint not in ASSETS]
    paths = document["paths"]
    for rule in rules:
        item = paths[openapi_path(rule)]
        declared = {m.upper() for m in item if m in METHODS}
        assert declared == set(rule.methods or ()), rule.rule
    undescribed = [p for p, item in paths.items() if item.get("get", {}).get("x-undescribed")]
    assert not undescribed
    templates = {openapi_path(r) for r in rules}
    # Besides the routes' own templates, only their ".<extension>" variants.
    extensions = {f.extension for f in ALL}
    for path in set(paths) - templates:
        stem, _, ext = path.rpartition(".")
        assert ext in extensions and any(stem == t or f"{stem}.{{ext}}" == t for t in templates)


def test_operation_ids_are_unique(document: dict[str, Any]) -> None:
    ids = [
        op["operationId"]
        for item in document["paths"].values()
        for method, op in item.items()
        if method in METHODS and "operationId" in op
    ]
    assert ids and len(ids) == len(set(ids))


def test_media_types_come_from_the_registry(document: dict[str, Any]) -> None:
    sparql = document["paths"]["/sparql"]
    offered = set(sparql["get"]["responses"]["200"]["content"])
    assert offered == {f.media_type for f in (*RESULT_FORMATS, *RDF_FORMATS, HTML)}
    assert set(sparql["post"]["requestBody"]["content"]) == {protocol.FORM, protocol.QUERY}
    turtle = document["paths"]["/id/{rest}.ttl"]["get"]["responses"]["200"]["content"]
    assert list(turtle) == ["text/turtle"]


def test_served_as_json_with_validators(local_app: Flask) -> None:
    client = local_app.test_client()
    response = client.get("/openapi.json")
    assert response.mimetype == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    etag = response.headers["ETag"]
    assert "max-age" in response.headers["Cache-Control"]
    head = client.head("/openapi.json")
    assert head.status_code == 200 and head.data == b""
    assert head.headers["ETag"] == etag
    assert client.get("/openapi.json", headers={"If-None-Match": etag}).status_code == 304


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href, self._text = dict(attrs).get("href") or "", []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._text).strip()))
            self._href = None


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_landing_page_links_to_it(local_app: Flask, lang: str) -> None:
    page = local_app.test_client().get(f"/?lang={lang}", headers={"Accept": "text/html"})
    parser = _Links()
    parser.feed(page.get_data(as_text=True))
    texts = [text for href, text in parser.links if href == "/openapi.json"]
    assert texts == ["API の説明（OpenAPI 3.1） / API description (OpenAPI 3.1)"]
