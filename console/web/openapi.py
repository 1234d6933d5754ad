"""The console API's own OpenAPI 3.1 document (``/api/v1/openapi.json``).

Written out here, operation by operation, with the statuses the code really answers; a test
validates it (openapi-spec-validator) and checks that it describes every ``/api/v1`` route
and nothing more.
"""

from __future__ import annotations

from console.web.openapi_schemas import (
    AUDIT,
    CANDIDATE,
    CHANGES,
    ERROR,
    PROBLEM,
    RELEASE,
    Json,
)


def _ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: Json, description: str) -> Json:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Json]:
    reasons = {
        400: "a bad request (the message says what)",
        401: "no bearer token, or not one of an account",
        403: "only a publisher may do this",
        404: "no such candidate or release",
        409: "another publish is running, the candidate is stale or already published",
        413: "the upload is over the size limit (DX_CONSOLE_MAX_UPLOAD_MB)",
        422: "a removal not confirmed with a reason, or no reason for a roll-back",
        502: "the SPARQL store refused the release (the live one is unchanged)",
    }
    return {str(s): _json(_ref("Error"), reasons[s]) for s in (401, *statuses)}


CANDIDATE_ID = {
    "name": "candidate_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
}
RELEASE_ID = {"name": "release_id", "in": "path", "required": True, "schema": {"type": "string"}}


def _paths() -> Json:
    upload_body = {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["table"],
                    "properties": {
                        "table": {"type": "string", "contentMediaType": "application/octet-stream"},
                        "title_ja": {"type": "string"},
                        "title_en": {"type": "string"},
                    },
                }
            }
        },
    }
    publish_body = {
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "reason": {"type": "string"},
                        "confirm_removals": {"type": "boolean"},
                    },
                }
            }
        }
    }
    return {
        "/candidates": {
            "get": {
                "operationId": "listCandidates",
                "summary": "候補の一覧 / the candidates, newest first",
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "candidates": {"type": "array", "items": _ref("Candidate")}
                            },
                        },
                        "the candidates",
                    ),
                    **_errors(),
                },
            },
            "post": {
                "operationId": "upload",
                "summary": "表をアップロードして確認 / upload a table: check, build, compare",
                "requestBody": upload_body,
                "responses": {
                    "201": _json(_ref("Candidate"), "checked: no problem; changes and preview"),
                    "422": _json(_ref("Candidate"), "rejected: the problems, each placed"),
                    **_errors(400, 413),
                },
            },
        },
        "/candidates/{candidate_id}": {
            "parameters": [CANDIDATE_ID],
            "get": {
                "operationId": "candidate",
                "summary": "確認結果 / the check report",
                "responses": {"200": _json(_ref("Candidate"), "the candidate"), **_errors(404)},
            },
            "delete": {
                "operationId": "discard",
                "summary": "候補を取り消す / discard the candidate",
                "responses": {"204": {"description": "discarded"}, **_errors(404)},
            },
        },
        "/candidates/{candidate_id}/changes": {
            "parameters": [CANDIDATE_ID],
            "get": {
                "operationId": "changes",
                "summary": "公開中の版との違い / changes against the live release",
                "responses": {"200": _json(_ref("Changes"), "the changes"), **_errors(404, 409)},
            },
        },
        "/candidates/{candidate_id}/preview": {
            "parameters": [CANDIDATE_ID],
            "get": {
                "operationId": "preview",
                "summary": "プレビューのリンク / the preview's links (bearer or session)",
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "url": {"type": "string"},
                                "pages": {"type": "array", "items": {"type": "string"}},
                            },
                        },
                        "the preview's root and its main pages",
                    ),
                    **_errors(404, 409),
                },
            },
        },
        "/candidates/{candidate_id}/publish": {
            "parameters": [CANDIDATE_ID],
            "post": {
                "operationId": "publish",
                "summary": "公開 / publish (publishers only)",
                "requestBody": publish_body,
                "responses": {
                    "200": _json(_ref("Release"), "the new live release"),
                    **_errors(403, 404, 409, 422, 502),
                },
            },
        },
        "/releases": {
            "get": {
                "operationId": "history",
                "summary": "履歴 / every kept release, newest first",
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "live": {"type": ["string", "null"]},
                                "releases": {"type": "array", "items": _ref("Release")},
                            },
                        },
                        "the history",
                    ),
                    **_errors(),
                },
            },
        },
        "/releases/{release_id}": {
            "parameters": [RELEASE_ID],
            "get": {
                "operationId": "release",
                "summary": "一つの版 / one release",
                "responses": {"200": _json(_ref("Release"), "the release"), **_errors(404)},
            },
        },
        "/releases/{release_id}/table": {
            "parameters": [RELEASE_ID],
            "get": {
                "operationId": "releaseTable",
                "summary": "版の表 / the table a release was built from, as uploaded",
                "responses": {
                    "200": {
                        "description": "the workbook or CSV",
                        "content": {"application/octet-stream": {}},
                    },
                    **_errors(404),
                },
            },
        },
        "/releases/{release_id}/rollback": {
            "parameters": [RELEASE_ID],
            "post": {
                "operationId": "rollback",
                "summary": "切り戻し / make an earlier release live again (publishers only)",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["reason"],
                                "properties": {"reason": {"type": "string"}},
                            }
                        }
                    },
                },
                "responses": {
                    "200": _json(_ref("Release"), "the release, live again"),
                    **_errors(403, 404, 409, 422, 502),
                },
            },
        },
        "/audit": {
            "get": {
                "operationId": "audit",
                "summary": "監査ログ / the audit log, newest first",
                "parameters": [
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 1000}}
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "entries": {"type": "array", "items": _ref("AuditEntry")}
                            },
                        },
                        "the entries",
                    ),
                    **_errors(),
                },
            },
        },
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "この文書 / this document (no token needed)",
                "security": [],
                "responses": {
                    "200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}
                },
            },
        },
    }


def document() -> Json:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "行政DX LOD 公開コンソール API / publishing console API",
            "version": "1",
            "description": (
                "Upload a table, read its check report and changes, preview it, publish it, "
                "roll back: what the console's pages do, for automation. Authenticate with "
                "an account's API token (the console's Account page): "
                "`Authorization: Bearer dxc_…`. Errors: `{ok: false, error, status}`."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": ERROR,
                "Problem": PROBLEM,
                "Changes": CHANGES,
                "Candidate": CANDIDATE,
                "Release": RELEASE,
                "AuditEntry": AUDIT,
            },
        },
    }
