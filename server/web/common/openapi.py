"""The reusable parts of the OpenAPI description: body schemas, parameters, headers, answers.

Each part says what the server really sends (server/errors.py's error body, the caching
hooks' validators, the CORS and ``nosniff`` headers every answer carries); the operations in
server/web/openapi.py refer to them by name. Media types come from the formats registry.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from converter.formats import CSVW, HTML, JSON_LD, RESULTS_JSON, Format

Json = dict[str, Any]

#: Reasons of the statuses the description uses (the code is the key, as OpenAPI writes it).
REASONS: dict[int, str] = {
    200: "OK",
    204: "No Content: a CORS preflight or OPTIONS answer",
    206: "Partial Content: the one byte range asked for (Range, If-Range)",
    304: "Not Modified: If-None-Match or If-Modified-Since says the copy held is current",
    400: "Bad Request",
    403: "Forbidden: SPARQL Update on a read-only endpoint",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable: no offered format fits Accept or format=; the message lists them",
    412: (
        "Precondition Failed: If-Match names no current ETag, or the build is newer than "
        "If-Unmodified-Since (server/conditional.py); never stored"
    ),
    411: (
        "Length Required: a body without Content-Length (chunked) is never read, so a body "
        "cut short cannot run (server/wsgi/checks.py)"
    ),
    413: "Content Too Large: the query or the POST body exceeds the configured limit",
    414: (
        "URI Too Long: a URL over the HTTP server's limit (about 64 KiB under granian), "
        "refused before the application sees it; empty body, no CORS headers"
    ),
    415: "Unsupported Media Type: POST without a SPARQL Protocol Content-Type",
    416: "Range Not Satisfiable: the range starts past the end; never stored",
    502: "Bad Gateway: the remote store (DX_STORE_URL) answered something unreadable",
    503: (
        "Service Unavailable: the query hit the time or memory limit, every query slot is "
        "taken (Retry-After), or the store is down"
    ),
    504: "Gateway Timeout: the remote store (DX_STORE_URL) did not answer in time",
}
#: What only a remote store can make any store-backed view answer (never the embedded one,
#: except 503 on /sparql).
STORE_FAILURES = (502, 503, 504)


def _ref(kind: str, name: str) -> Json:
    return {"$ref": f"#/components/{kind}/{name}"}


def _header(description: str, schema: Json, *, required: bool = False) -> Json:
    return {"description": description, "required": required, "schema": schema}


HEADERS: dict[str, Json] = {
    "ETag": _header(
        "strong validator of this answer",
        {"type": "string", "pattern": '^"[^"]+"$'},
        required=True,
    ),
    "Last-Modified": _header(
        "when the served build was made (HTTP date)",
        {"type": "string", "pattern": "^[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} .* GMT$"},
        required=True,
    ),
    "Cache-Control": _header(
        "public (private when the answer sets the language cookie), max-age DX_CACHE_MAX_AGE",
        {"type": "string", "pattern": "max-age=[0-9]+"},
        required=True,
    ),
    "Vary": _header("request headers the answer depends on", {"type": "string"}),
    "VaryAccept": _header(
        "names Accept: the answer is negotiated",
        {"type": "string", "pattern": "(^|[ ,])Accept(,|$)"},
        required=True,
    ),
    "Access-Control-Allow-Origin": _header(
        "public read-only data: any origin may read it", {"const": "*"}, required=True
    ),
    "X-Content-Type-Options": _header("no MIME sniffing", {"const": "nosniff"}, required=True),
    "Set-Cookie": _header(
        "lang=ja|en when ?lang= chose a language other than the cookie's",
        {"type": "string", "pattern": "^lang=(ja|en);"},
    ),
    "X-Cache": _header("hit: answered from the in-process response cache", {"const": "hit"}),
    "Allow": _header("the methods this URL answers", {"type": "string"}, required=True),
    "Link": _header(
        'the other representations (rel="alternate"), one per registered format',
        {"type": "string", "pattern": 'rel="alternate"'},
        required=True,
    ),
    "Content-Location": _header(
        "the URL of the variant sent (only when no extension forced it)",
        {"type": "string", "pattern": "^/"},
    ),
    "Content-Disposition": _header(
        "attachment (inline for HTML) with the file name",
        {"type": "string", "pattern": '^(attachment|inline); filename="[^"]+"$'},
        required=True,
    ),
    "Content-Encoding": _header("gzip when accepted and worth it", {"const": "gzip"}),
    "X-SPARQL-MaxRows": _header(
        "rows or triples kept per answer (DX_SPARQL_MAX_ROWS)",
        {"type": "string", "pattern": "^[0-9]+$"},
    ),
    "X-SPARQL-MaxRowsAlways": _header(
        "rows or triples kept per answer (DX_SPARQL_MAX_ROWS)",
        {"type": "string", "pattern": "^[0-9]+$"},
        required=True,
    ),
    "X-SPARQL-Truncated": _header(
        "true: the answer was cut at X-SPARQL-MaxRows", {"const": "true"}
    ),
    "NoStore": _header("no cache may keep this answer", {"const": "no-store"}, required=True),
    "Accept-Ranges": _header("bytes: Range requests are served", {"const": "bytes"}, required=True),
    "Content-Range": _header(
        "the range sent (206), or the length (416)",
        {"type": "string", "pattern": "^bytes ([0-9]+-[0-9]+|[*])/[0-9]+$"},
        required=True,
    ),
    "Retry-After": _header(
        "seconds to wait: every query slot of the server process is taken",
        {"type": "string", "pattern": "^[0-9]+$"},
    ),
}
#: Headers particular to an error status.
ERROR_HEADERS = {
    405: ("Allow",),
    412: ("NoStore",),
    416: ("NoStore", "Content-Range"),
    503: ("Retry-After",),
}
#: Error answers that are always the JSON body (they answer a condition, not a page).
JSON_ONLY = frozenset({412, 416})
#: On every answer the application writes (the app's after_request hooks).
ALWAYS = ("Access-Control-Allow-Origin", "X-Content-Type-Options", "Vary")
#: On every 200 to GET or HEAD (server/caching/).
VALIDATED = ("ETag", "Last-Modified", "Cache-Control", "Set-Cookie", "X-Cache")


#: Components that document a header more strictly, under the header's own name.
STRICTER = {
    "VaryAccept": "Vary",
    "X-SPARQL-MaxRowsAlways": "X-SPARQL-MaxRows",
    "NoStore": "Cache-Control",
}


def header_map(names: Iterable[str]) -> Json:
    return {STRICTER.get(name, name): _ref("headers", name) for name in names}


def _error_body(status: int) -> Json:
    return {"allOf": [_ref("schemas", "Error"), {"properties": {"status": {"const": status}}}]}


def error(status: int) -> Json:
    """The answer ``status`` (a reference to its component)."""
    return _ref("responses", str(status))


def _error(status: int) -> Json:
    """An error answer: the JSON body of server/errors.py, or its HTML page for browsers."""
    headers = (*ALWAYS, *ERROR_HEADERS.get(status, ()))
    return {
        "description": REASONS[status],
        "headers": header_map(headers),
        "content": {"application/json": {"schema": _error_body(status)}}
        | ({} if status in JSON_ONLY else {HTML.media_type: {}}),
    }


def _responses() -> Json:
    found = {str(code): _error(code) for code in REASONS if code >= 400 and code != 414}
    found["414"] = {"description": REASONS[414]}  # the HTTP server's own answer
    return found | {"304": _not_modified()}


def content(formats: Iterable[Format]) -> Json:
    """The media types of ``formats``, with a body schema where the format is JSON."""
    return {f.media_type: _media(f.media_type) for f in formats}


def _media(media_type: str) -> Json:
    schema = BODY_SCHEMAS.get(media_type)
    return {"schema": _ref("schemas", schema)} if schema else {}


def answer(body: Json, headers: Iterable[str] = (), description: str = "OK") -> Json:
    """A 200 to GET: ``body`` (a content map), the validators and ``headers``."""
    return {
        "description": description,
        "headers": header_map((*ALWAYS, *VALIDATED, *headers)),
        "content": body,
    }


def _not_modified() -> Json:
    return {
        "description": REASONS[304],
        "headers": header_map(("Access-Control-Allow-Origin", "ETag", "Cache-Control", "Vary")),
    }


def options(allow: str, *, templated: bool) -> Json:
    """OPTIONS: 204 with Allow and the CORS preflight headers (and 404 for a path that does
    not match the route: werkzeug's path converters take no line breaks)."""
    found: Json = {
        "204": {
            "description": f"{REASONS[204]}; Allow: {allow}",
            "headers": header_map(("Access-Control-Allow-Origin", "Allow")),
        }
    }
    if templated:
        found["404"] = error(404)
    return {"summary": "Allowed methods and CORS preflight", "responses": found}


PARAMETERS: dict[str, Json] = {
    "lang": {
        "name": "lang",
        "in": "query",
        "description": "page language (ja, en); kept in the lang cookie; other values ignored",
        "schema": {"anyOf": [{"enum": ["ja", "en"]}, {"type": "string"}]},
    },
    "Accept-Language": {
        "name": "Accept-Language",
        "in": "header",
        "description": "page language when neither ?lang= nor the lang cookie names one",
        "schema": {"type": "string"},
    },
    "If-None-Match": {
        "name": "If-None-Match",
        "in": "header",
        "description": "an ETag held: 304 when it is still current",
        "schema": {"type": "string"},
    },
    "If-Modified-Since": {
        "name": "If-Modified-Since",
        "in": "header",
        "description": "an HTTP date: 304 when the build is not newer (ignored with If-None-Match)",
        "schema": {"type": "string"},
    },
    "If-Match": {
        "name": "If-Match",
        "in": "header",
        "description": "ETags (or *): 412 unless one is current",
        "schema": {"type": "string"},
    },
    "If-Unmodified-Since": {
        "name": "If-Unmodified-Since",
        "in": "header",
        "description": "an HTTP date: 412 when the build is newer (ignored with If-Match)",
        "schema": {"type": "string"},
    },
}
#: Every GET and HEAD takes these.
COMMON_PARAMETERS = tuple(_ref("parameters", name) for name in PARAMETERS)

_TERM: Json = {
    "type": "object",
    "required": ["type"],
    "properties": {
        "type": {"enum": ["uri", "literal", "bnode", "triple"]},
        "xml:lang": {"type": "string"},
        "datatype": {"type": "string"},
    },
}
SCHEMAS: dict[str, Json] = {
    "Error": {
        "description": "server/errors.py error_body: the one JSON error shape",
        "type": "object",
        "required": ["ok", "error", "status"],
        "additionalProperties": False,
        "properties": {
            "ok": {"const": False},
            "error": {"type": "string", "minLength": 1},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
        },
    },
    "SparqlResults": {
        "description": "SPARQL 1.1 Query Results JSON (SELECT: results; ASK: boolean)",
        "type": "object",
        "required": ["head"],
        "properties": {
            "head": {"type": "object"},
            "boolean": {"type": "boolean"},
            "results": {
                "type": "object",
                "required": ["bindings"],
                "properties": {
                    "bindings": {
                        "type": "array",
                        "items": {"type": "object", "additionalProperties": _TERM},
                    }
                },
            },
        },
        "oneOf": [{"required": ["results"]}, {"required": ["boolean"]}],
    },
    "JsonLd": {"description": "a JSON-LD document", "type": ["object", "array"]},
    "CkanPackage": {
        "description": "a CKAN package_create body",
        "type": "object",
        "required": ["name", "title", "notes", "url", "license_id", "tags", "resources"],
        "properties": {
            "name": {"type": "string", "pattern": "^[a-z0-9_-]+$"},
            "resources": {
                "type": "array",
                "items": {"type": "object", "required": ["name", "url", "format", "mimetype"]},
            },
            "tags": {"type": "array", "items": {"type": "object", "required": ["name"]}},
        },
    },
    "OpenApi": {
        "description": "this document",
        "type": "object",
        "required": ["openapi", "info", "paths"],
        "properties": {"openapi": {"type": "string", "pattern": "^3\\.1\\."}},
    },
}
#: Which schema a JSON body of each media type has.
BODY_SCHEMAS: dict[str, str] = {
    JSON_LD.media_type: "JsonLd",
    RESULTS_JSON.media_type: "SparqlResults",
    CSVW.media_type: "JsonLd",  # CSVW metadata is JSON-LD too
}


def path_parameter(name: str, description: str, schema: Json | None = None) -> Json:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": schema or {"type": "string", "minLength": 1},
    }


def responses(ok: Json, errors: Iterable[int] = (), *, store: bool = True) -> Json:
    """200 (``ok``), 304 and 412 of the conditions, the ``errors`` and the store's."""
    codes = sorted({*errors, *(STORE_FAILURES if store else ())})
    found: Json = {"200": ok, "304": error(304), "412": error(412)}
    return found | {str(code): error(code) for code in codes}


def operation(op_id: str, summary: str, params: Iterable[Json], answers: Json) -> Json:
    return {
        "operationId": op_id,
        "summary": summary,
        "parameters": [*params, *COMMON_PARAMETERS],
        "responses": answers,
    }


def components() -> Json:
    return {
        "schemas": SCHEMAS,
        "parameters": PARAMETERS,
        "headers": HEADERS,
        "responses": _responses(),
    }
