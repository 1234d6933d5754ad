"""The console's HTTP API: its OpenAPI 3.1 document, and the whole flow with a bearer token."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from console.web.openapi import document
from tests.console.conftest import Place
from tests.console.tables import FY2024, edited, set_cell

METHODS = ("get", "post", "put", "delete", "patch")


def test_the_document_is_valid_openapi_3_1(client: FlaskClient) -> None:
    served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200 and served.json == document()
    assert served.json["openapi"] == "3.1.0"
    validate(served.json, cls=OpenAPIV31SpecValidator)


def _template(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.removeprefix("/api/v1"))


def test_every_api_route_is_described_and_nothing_else(console_app: Flask) -> None:
    paths = document()["paths"]
    seen: dict[str, set[str]] = {}
    for rule in console_app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            methods = {m.lower() for m in rule.methods or ()} & set(METHODS)
            seen.setdefault(_template(rule.rule), set()).update(methods)
    described = {path: {m for m in item if m in METHODS} for path, item in paths.items()}
    assert seen == described


def _check(answer: Any, path: str, method: str) -> None:
    """The answer's status is documented for the operation, and its JSON fits the schema."""
    spec = document()
    operation = spec["paths"][path][method]
    response = operation["responses"].get(str(answer.status_code))
    assert response is not None, (path, method, answer.status_code, answer.data[:300])
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    if schema and answer.is_json:
        resolver = {"components": spec["components"], **schema}
        jsonschema.validate(answer.json, resolver)


@pytest.fixture
def bearer(console_app: Flask) -> dict[str, str]:
    token = console_app.extensions["console"].accounts.new_token("alice", "ci")
    return {"Authorization": f"Bearer {token}"}


def test_the_whole_flow_over_the_api(
    client: FlaskClient, bearer: dict[str, str], place: Place, tmp_path: Path
) -> None:
    with FY2024.open("rb") as table:
        answer = client.post(
            "/api/v1/candidates", headers=bearer, data={"table": (table, "dx-kpi-fy2024.csv")}
        )
    _check(answer, "/candidates", "post")
    assert answer.status_code == 201
    cid = answer.json["id"]
    assert answer.json["status"] == "checked" and answer.json["problems"] == []
    for path, template in (
        (f"/api/v1/candidates/{cid}", "/candidates/{candidate_id}"),
        (f"/api/v1/candidates/{cid}/changes", "/candidates/{candidate_id}/changes"),
        (f"/api/v1/candidates/{cid}/preview", "/candidates/{candidate_id}/preview"),
        ("/api/v1/candidates", "/candidates"),
        ("/api/v1/releases", "/releases"),
    ):
        got = client.get(path, headers=bearer)
        assert got.status_code == 200, path
        _check(got, template, "get")
    preview = client.get(f"/api/v1/candidates/{cid}/preview", headers=bearer).json
    page = client.get(preview["pages"][1], headers=bearer)  # the preview takes the token too
    assert page.status_code == 200 and "69,512" in page.get_data(as_text=True)
    published = client.post(
        f"/api/v1/candidates/{cid}/publish", headers=bearer, json={"reason": "API"}
    )
    _check(published, "/candidates/{candidate_id}/publish", "post")
    release = published.json["id"]
    history = client.get("/api/v1/releases", headers=bearer).json
    assert history["live"] == release and history["releases"][0]["reason"] == "API"
    first = history["releases"][1]["id"]
    with client.get(f"/api/v1/releases/{release}/table", headers=bearer) as table_answer:
        assert table_answer.data == FY2024.read_bytes()
    refused = client.post(f"/api/v1/releases/{first}/rollback", headers=bearer, json={})
    assert refused.status_code == 422
    _check(refused, "/releases/{release_id}/rollback", "post")
    back = client.post(
        f"/api/v1/releases/{first}/rollback", headers=bearer, json={"reason": "API back"}
    )
    _check(back, "/releases/{release_id}/rollback", "post")
    assert client.get("/api/v1/releases", headers=bearer).json["live"] == first
    audit = client.get("/api/v1/audit?limit=5", headers=bearer)
    _check(audit, "/audit", "get")
    assert [e["action"] for e in audit.json["entries"][:3]] == ["rollback", "rollback", "publish"]
    missing = client.get("/api/v1/releases/20990101T000000.000Z-000000", headers=bearer)
    assert missing.status_code == 404
    _check(missing, "/releases/{release_id}", "get")


def test_a_table_with_problems_is_422_with_every_problem_placed(
    client: FlaskClient, bearer: dict[str, str], tmp_path: Path
) -> None:
    bad = edited(FY2024, tmp_path / "x.csv", lambda t: set_cell(t, "8", "評価", "たぶん"))
    with bad.open("rb") as table:
        answer = client.post("/api/v1/candidates", headers=bearer, data={"table": (table, "x.csv")})
    _check(answer, "/candidates", "post")
    assert answer.status_code == 422
    (problem,) = answer.json["problems"]
    assert (problem["row"], problem["column"], problem["project"]) == (9, "評価", "8")
    changes = client.get(f"/api/v1/candidates/{answer.json['id']}/changes", headers=bearer)
    assert changes.status_code == 409
    publish = client.post(f"/api/v1/candidates/{answer.json['id']}/publish", headers=bearer)
    assert publish.status_code == 409
    _check(publish, "/candidates/{candidate_id}/publish", "post")
    gone = client.delete(f"/api/v1/candidates/{answer.json['id']}", headers=bearer)
    assert gone.status_code == 204


def test_jsonschema_is_the_validator_the_tests_use() -> None:
    assert jsonschema.Draft202012Validator  # OpenAPI 3.1's dialect
