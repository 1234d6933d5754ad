"""The OpenAPI operations of ``/sparql`` (SPARQL 1.1 Protocol), another package's routes
(server/sparql) that this description covers too.

Their limits are the running server's settings, read when the document is built.
"""

from __future__ import annotations

from converter.formats import HTML, RDF_FORMATS, RESULT_FORMATS
from server.config import current_settings
from server.web.common.openapi import (
    STORE_FAILURES,
    Json,
    answer,
    content,
    error,
    operation,
    responses,
)

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
#: Every value ``format=`` (``output=``, ``results=``) understands, besides media types.
FORMAT_NAMES = sorted({n for f in (*RESULT_FORMATS, *RDF_FORMATS, HTML) for n in f.names})
_STRINGS: Json = {"type": "array", "items": {"type": "string"}}


def _param(name: str, description: str, schema: Json | None = None) -> Json:
    found: Json = {"name": name, "in": "query", "description": description}
    found["schema"] = schema or {"type": "string"}
    if found["schema"].get("type") == "array":
        found |= {"style": "form", "explode": True}
    return found


def _dataset_params() -> list[Json]:
    return [
        _param("default-graph-uri", "graphs whose union is the default graph", _STRINGS),
        _param("named-graph-uri", "graphs the query may name with GRAPH", _STRINGS),
    ] + [
        _param(
            name,
            f"the answer's format by name or media type ({', '.join(FORMAT_NAMES)}); "
            "beats Accept; anything else gets 406",
            {"anyOf": [{"enum": FORMAT_NAMES}, {"type": "string"}]},
        )
        for name in ("format", "output", "results")
    ]


def _limits() -> str:
    s = current_settings()
    return (
        f"Limits: {s.sparql_max_query_length} characters per query, {s.sparql_max_body_bytes} "
        f"bytes per POST body (413), {s.sparql_timeout:g} s per query (503), "
        f"{s.sparql_max_rows} rows or triples per answer (X-SPARQL-Truncated)."
    )


def _errors(codes: tuple[int, ...]) -> Json:
    return {str(code): error(code) for code in sorted({*codes, 503, *STORE_FAILURES})}


def _get(op_id: str) -> Json:
    offered = (*RESULT_FORMATS, *RDF_FORMATS, HTML)
    ok = answer(content(offered), ["VaryAccept", "X-SPARQL-MaxRows", "X-SPARQL-Truncated"])
    params = [
        _param("query", "a SPARQL 1.1 query (no Update, no SERVICE); none: the service "
               "description (RDF) or the query page (HTML)"),
        *_dataset_params(),
        _param("example", "the example query the query page opens with"),
    ]  # fmt: skip
    get = operation(op_id, "SPARQL 1.1 query by GET", params, responses(ok, store=False))
    get["responses"] |= _errors((400, 403, 406, 413, 414))
    get["description"] = (
        "SELECT and ASK answer in a results format, CONSTRUCT and DESCRIBE in an RDF format. "
        + _limits()
    )
    return get


def _form() -> Json:
    properties = {
        "query": {"type": "string"},
        "default-graph-uri": _STRINGS,
        "named-graph-uri": _STRINGS,
        "format": {"type": "string"},
    }
    return {
        "schema": {"type": "object", "required": ["query"], "properties": properties},
        "encoding": {name: {"explode": True} for name in ("default-graph-uri", "named-graph-uri")},
    }


def _post(op_id: str) -> Json:
    ok = answer(content((*RESULT_FORMATS, *RDF_FORMATS)), ["VaryAccept", "X-SPARQL-Truncated"])
    for name in ("ETag", "Last-Modified", "Cache-Control", "Set-Cookie", "X-Cache"):
        ok["headers"].pop(name)  # POST answers are not cached
    ok["headers"]["X-SPARQL-MaxRows"] = {"$ref": "#/components/headers/X-SPARQL-MaxRowsAlways"}
    return {
        "operationId": "post_" + op_id,
        "summary": "SPARQL 1.1 query by POST (direct or form)",
        "description": "UTF-8 only (another charset: 400). " + _limits(),
        "parameters": _dataset_params(),
        "requestBody": {
            "required": True,
            "content": {DIRECT: {"schema": {"type": "string"}}, FORM: _form()},
        },
        "responses": {"200": ok} | _errors((400, 403, 406, 411, 413, 415)),
    }


def sparql(path: str, op_id: str) -> dict[str, Json]:
    """``/sparql``: GET (and HEAD) and POST; PUT, DELETE and PATCH are refused (405)."""
    return {path: {"get": _get(op_id), "post": _post(op_id)}}
