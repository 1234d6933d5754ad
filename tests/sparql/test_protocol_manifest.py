"""The W3C SPARQL 1.1 Protocol test suite, read from its manifest (not copied), one test per
entry, against /sparql over the suite's own data.

Each ``ht:Request`` becomes a request to the Flask test client and its ``ht:resp`` the
expected status class, result format and boolean. One planned deviation: this endpoint is
read-only, so the suite's ``update_*`` operations must be refused with a 4xx (and the
follow-up ASK that checks the update's effect is replaced by a check that nothing changed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.collection import Collection

from server.stores.local import LocalStore
from tests.sparql.conftest import PROTOCOL_DIR

MANIFEST = PROTOCOL_DIR / "manifest.ttl"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
BOOLEAN_TYPES = ("application/sparql-results+json", "application/sparql-results+xml")
TABULAR_TYPES = (*BOOLEAN_TYPES, "text/csv", "text/tab-separated-values")
RDF_TYPES = ("application/rdf+xml", "text/turtle", "application/n-triples", "application/ld+json")


@dataclass(frozen=True)
class ProtocolRequest:
    method: str
    path: str
    body: bytes | None
    headers: dict[str, str]
    statuses: frozenset[str]  #: e.g. {"2xx", "3xx"}
    expected_format: str | None
    expected_boolean: bool | None


@dataclass(frozen=True)
class ProtocolTest:
    name: str
    requests: tuple[ProtocolRequest, ...]

    @property
    def is_update(self) -> bool:
        return self.name.startswith("update_")


def _read_request(g: Graph, node: URIRef) -> ProtocolRequest:
    body = None
    body_node = g.value(node, HT.body)
    if body_node is not None:
        encoding = str(g.value(body_node, CNT.characterEncoding) or "UTF-8")
        body = str(g.value(body_node, CNT.chars)).encode(encoding)
    headers = {}
    header_list = g.value(node, HT.headers)
    if header_list is not None:
        for header in Collection(g, header_list):
            headers[str(g.value(header, HT.fieldName))] = str(g.value(header, HT.fieldValue))
    resp = g.value(node, HT.resp)
    statuses = frozenset(
        str(s).rsplit("StatusCode", 1)[1] for s in g.objects(resp, MF.expectedStatus)
    )
    fmt = g.value(resp, MF.expectedFormat)
    boolean = g.value(resp, MF.expectedBoolean)
    return ProtocolRequest(
        method=str(g.value(node, HT.methodName)),
        path=str(g.value(node, HT.absolutePath)),
        body=body,
        headers=headers,
        statuses=statuses,
        expected_format=str(fmt) if fmt is not None else None,
        expected_boolean=boolean.toPython() if boolean is not None else None,
    )


def load_manifest(path: Path = MANIFEST) -> list[ProtocolTest]:
    g = Graph().parse(path, format="turtle")
    manifest = next(g.subjects(RDF.type, MF.Manifest))
    tests = []
    for entry in Collection(g, g.value(manifest, MF.entries)):
        action = g.value(entry, MF.action)
        requests = Collection(g, g.value(action, HT.requests))
        name = str(entry).rsplit("#", 1)[1]
        tests.append(ProtocolTest(name, tuple(_read_request(g, r) for r in requests)))
    return tests


TESTS = load_manifest()


def test_manifest_is_fully_covered() -> None:
    assert len(TESTS) == 34
    assert len({t.name for t in TESTS}) == len(TESTS)


def _send(client: FlaskClient, req: ProtocolRequest):  # type: ignore[no-untyped-def]
    headers = {k: v for k, v in req.headers.items() if k.lower() != "content-type"}
    return client.open(
        req.path,
        method=req.method,
        data=req.body,
        headers=headers,
        content_type=req.headers.get("content-type"),
        base_url="http://www.example",
    )


def _boolean(body: bytes, media_type: str) -> bool:
    if media_type == "application/sparql-results+json":
        return bool(json.loads(body)["boolean"])
    return b"<boolean>true</boolean>" in body


@pytest.mark.parametrize("test", TESTS, ids=[t.name for t in TESTS])
def test_protocol(test: ProtocolTest, client: FlaskClient, protocol_store: LocalStore) -> None:
    before = len(protocol_store.oxigraph)
    if test.is_update:
        response = _send(client, test.requests[0])
        assert 400 <= response.status_code < 500, response.data
        assert response.get_json()["ok"] is False
        assert len(protocol_store.oxigraph) == before
        return
    for req in test.requests:
        response = _send(client, req)
        status_class = f"{response.status_code // 100}xx"
        assert status_class in req.statuses, (response.status_code, response.data)
        assert response.status_code < 500
        media_type = response.mimetype
        if req.expected_format == "boolean":
            assert media_type in BOOLEAN_TYPES
        elif req.expected_format == "tabular":
            assert media_type in TABULAR_TYPES
        elif req.expected_format == "RDF":
            assert media_type in RDF_TYPES
        if req.expected_boolean is not None:
            assert _boolean(response.data, media_type) is req.expected_boolean
        if status_class == "4xx":
            assert response.get_json() == {
                "ok": False,
                "error": response.get_json()["error"],
                "status": response.status_code,
            }
    assert len(protocol_store.oxigraph) == before
