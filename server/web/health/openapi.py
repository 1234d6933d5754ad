"""The OpenAPI operations of the health feature."""

from __future__ import annotations

from server.web.common.openapi import ALWAYS, Json, header_map
from server.web.common.operations import Operations

_STATUS: Json = {"enum": ["ok", "error"]}


def _json(op_id: str, summary: str, schema: Json, path: str, *, ready: bool = False) -> Json:
    ok = {
        "description": "OK",
        "headers": header_map((*ALWAYS, "NoStore")),
        "content": {"application/json": {"schema": schema}},
    }
    answers: Json = {"200": ok}
    if ready:
        answers["503"] = {
            "description": "Service Unavailable: a check failed (named in the body)",
            "headers": header_map((*ALWAYS, "NoStore", "Retry-After")),
            "content": {"application/json": {"schema": schema}},
        }
    # No parameters: neither the language nor conditions change a check.
    get = {"operationId": op_id, "summary": summary, "parameters": [], "responses": answers}
    return {path: {"get": get}}


def lbheartbeat(path: str, op_id: str) -> Json:
    schema = {"type": "object", "required": ["status"], "properties": {"status": _STATUS}}
    return _json(op_id, "Liveness: the process answers (touches nothing)", schema, path)


def heartbeat(path: str, op_id: str) -> Json:
    schema = {
        "type": "object",
        "required": ["status", "checks", "editions"],
        "properties": {
            "status": _STATUS,
            "checks": {"type": "object", "additionalProperties": {"type": "string"}},
            "editions": {"type": "array", "items": {"type": "integer"}},
        },
    }
    summary = "Readiness: the store answers and serves a build; else 503"
    return _json(op_id, summary, schema, path, ready=True)


def version(path: str, op_id: str) -> Json:
    schema = {
        "type": "object",
        "required": ["name", "version", "commit", "release"],
        "properties": {
            "version": {"type": "string"},
            "commit": {"type": ["string", "null"]},
            "release": {
                "type": "object",
                "required": ["digest", "editions", "edition"],
                "properties": {
                    "digest": {"type": ["string", "null"]},
                    "editions": {"type": "array", "items": {"type": "integer"}},
                },
            },
        },
    }
    return _json(op_id, "The code's version and the release served", schema, path)


OPERATIONS: Operations = {
    "health.lbheartbeat": lbheartbeat,
    "health.heartbeat": heartbeat,
    "health.version": version,
}
