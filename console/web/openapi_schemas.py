"""The schemas of the console API's OpenAPI document (:mod:`console.web.openapi`)."""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]
STRING: Json = {"type": "string"}
STRINGS: Json = {"type": "array", "items": STRING}

ERROR: Json = {
    "type": "object",
    "required": ["ok", "error", "status"],
    "properties": {
        "ok": {"const": False},
        "error": {"type": "string", "description": "Japanese, then English"},
        "status": {"type": "integer"},
    },
}
PROBLEM: Json = {
    "type": "object",
    "required": ["problem"],
    "properties": {
        "file": {"type": ["string", "null"]},
        "sheet": {"type": ["string", "null"]},
        "row": {"type": ["integer", "null"], "description": "sheet row, or CSV line"},
        "cell": {"type": ["string", "null"], "examples": ["W12"]},
        "column": {"type": ["string", "null"]},
        "project": {"type": ["string", "null"], "description": "the row's 事業No"},
        "where": {"type": "string"},
        "problem": {"type": "string"},
    },
}
KEYS: Json = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
CHANGES: Json = {
    "type": "object",
    "required": ["first", "removals", "editions"],
    "properties": {
        "first": {"type": "boolean", "description": "nothing was live to compare with"},
        "removals": {"type": "integer", "description": "published items the candidate removes"},
        "text": {"type": "string"},
        "editions": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "year": {"type": "integer"},
                    "state": {"enum": ["new", "dropped", "updated"]},
                    "added": KEYS,
                    "removed": KEYS,
                    "changed": KEYS,
                    "details": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}
CANDIDATE: Json = {
    "type": "object",
    "required": ["id", "status", "user", "created", "file", "table_sha256", "links"],
    "properties": {
        "id": {"type": "string", "pattern": "^[0-9a-f]{16}$"},
        "status": {"enum": ["checked", "rejected", "published"]},
        "user": {"type": "string"},
        "created": {"type": "string", "format": "date-time"},
        "file": {"type": "string"},
        "bytes": {"type": "integer"},
        "table_sha256": {"type": "string"},
        "build_digest": {"type": "string", "description": "SHA-256 of the build's manifest"},
        "base": {"type": ["string", "null"], "description": "the live release compared with"},
        "fiscal_year": {"type": "integer"},
        "problems": {"type": "array", "items": PROBLEM},
        "warnings": {"type": "array", "items": {"type": "string"}},
        "shacl": {"type": "string", "description": "the SHACL report, when the data fails it"},
        "removals": {"type": "integer"},
        "links": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}
AUDIT: Json = {
    "type": "object",
    "required": ["time", "user", "action", "result"],
    "properties": {
        "time": {"type": "string", "format": "date-time"},
        "user": {"type": "string"},
        "action": {"type": "string", "examples": ["upload", "publish", "rollback", "login"]},
        "result": {"enum": ["ok", "refused", "failed"]},
        "release": {"type": "string"},
        "candidate": {"type": "string"},
        "table_sha256": {"type": "string"},
        "build_digest": {"type": "string"},
        "reason": {"type": "string"},
        "message": {"type": "string"},
    },
}
RELEASE: Json = {
    "type": "object",
    "required": ["id", "created", "user", "table", "build", "changes"],
    "properties": {
        "id": {"type": "string", "pattern": "^[0-9]{8}T[0-9]{6}\\.[0-9]{3}Z-[0-9a-f]{6}$"},
        "created": {"type": "string", "format": "date-time"},
        "user": {"type": "string"},
        "reason": {"type": "string"},
        "table": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "sha256": {"type": "string"},
                "stored": {"type": "string"},
            },
        },
        "build": {"type": "object", "properties": {"digest": {"type": "string"}}},
        "editions": {"type": "array", "items": {"type": "integer"}},
        "changes": {
            "type": "object",
            "properties": {
                "summary": {"type": "string"},
                "removals": {"type": "integer"},
                "first": {"type": "boolean"},
                "text": {"type": "string"},
            },
        },
        "went_live": {"type": "array", "items": {"type": "string", "format": "date-time"}},
        "previous": {"type": ["string", "null"]},
        "audit": {"type": "array", "items": AUDIT},
    },
}
