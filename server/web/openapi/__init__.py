"""``/openapi.json``: the OpenAPI 3.1 description of the server's public HTTP API.

Written from the app's own routes (``url_map``) and each feature's operations (its
``openapi.py``: endpoint → builder, merged here) when first asked for, so a route or a
format cannot be added without the description following: a route without an operation is
listed as ``x-undescribed`` (a test fails on it), and every media type comes from
converter/formats.py. The media type is ``application/json``: browsers show it, and every
OpenAPI tool reads it; the registered ``application/vnd.oai.openapi+json;version=3.1`` is
known to few clients, and most tools that use it accept the JSON one as well.

The response cache keeps only answers to URLs whose query parameters the route's operation
documents (:meth:`Description.query_parameters`): the same list, one source.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from copy import deepcopy
from importlib.metadata import PackageNotFoundError, version

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.routing import Map, Rule

from server.web.common.i18n import STRINGS
from server.web.common.openapi import Json, components, error, options
from server.web.common.operations import Builder, Operations, json_document, openapi_path
from server.web.openapi.sparql import sparql

#: Page assets (styles, scripts, the icon): served, but not part of the API.
ASSETS = frozenset({"static", "sparql.static", "_favicon"})
#: Methods every rule answers that the builders leave to :func:`_head` and ``options()``.
DERIVED = frozenset({"HEAD", "OPTIONS"})
#: This feature's own operations, and those of /sparql (server/sparql) it describes too.
OPERATIONS: Operations = {
    "openapi.document": json_document("This description (OpenAPI 3.1)", "OpenApi", store=False),
    "sparql.endpoint": sparql,
    "sparql.endpoint_slash": sparql,
}


def _op_id(endpoint: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", endpoint).strip("_")


def _head(get: Json) -> Json:
    """HEAD: GET's statuses and headers, no body."""
    head = deepcopy(get)
    head["operationId"] = "head_" + get["operationId"]
    head["summary"] = "Headers only: " + get["summary"]
    for answer_ in head["responses"].values():
        answer_.pop("content", None)
    return head


def _refused(op_id: str, method: str) -> Json:
    """A method the route takes only to answer 405 with Allow."""
    return {
        "operationId": f"{method.lower()}_{op_id}",
        "summary": f"{method}: refused (405 with Allow)",
        "responses": {"405": error(405)},
    }


def _hoist_path_parameters(item: Json) -> None:
    """Path parameters belong to the path item, so that HEAD and OPTIONS share them."""
    found: dict[str, Json] = {}
    for op in item.values():
        params = op.get("parameters", [])
        found |= {p["name"]: p for p in params if p.get("in") == "path"}
        op["parameters"] = [p for p in params if p.get("in") != "path"]
    if found:
        item["parameters"] = list(found.values())


def path_items(rule: Rule, builder: Builder | None) -> dict[str, Json]:
    """The OpenAPI path items of one route, every method it answers included."""
    path, op_id = openapi_path(rule), _op_id(rule.endpoint)
    if builder is None:
        return {
            path: {"get": {"x-undescribed": True, "responses": {"default": {"description": "?"}}}}
        }
    items = builder(path, op_id)
    methods = set(rule.methods or ())
    for item in items.values():
        _hoist_path_parameters(item)
        if "get" in item and "HEAD" in methods:
            item["head"] = _head(item["get"])
        if "OPTIONS" in methods:
            allow = ", ".join(sorted(methods))
            item["options"] = options(allow, templated="parameters" in item)
    main = items[path]
    for method in sorted(methods - DERIVED - {m.upper() for m in main}):
        main[method.lower()] = _refused(op_id, method)
    return items


def _info() -> Json:
    try:
        release = version("fukushima-dx-lod")
    except PackageNotFoundError:
        release = "0.0.0"
    ja, en = STRINGS["site"]
    return {
        "title": f"{ja} / {en}",
        "version": release,
        "summary": "公開 HTTP API の説明 / The public HTTP API",
        "description": DESCRIPTION,
        "license": {"name": "MIT (software); PDL1.0 (data)", "identifier": "MIT"},
    }


DESCRIPTION = (
    "福島県 行政DX 事業・KPI のリンクトオープンデータを公開する HTTP API です。/ "
    "The HTTP API that publishes Fukushima Prefecture's DX projects and KPIs as linked open "
    "data.\n\n"
    "- Content negotiation: each 200 lists the media types offered, in the server's order; "
    "the first answers `Accept: */*` or no Accept (OpenAPI cannot declare Accept as a "
    "parameter). A file extension forces its format.\n"
    "- Errors: `application/json` `{ok: false, error, status}` (server/errors.py), or an "
    "HTML page when the client prefers `text/html`.\n"
    "- Caching: every 200 to GET/HEAD has a strong ETag, Last-Modified and Cache-Control; "
    "If-None-Match / If-Modified-Since give 304, If-Match / If-Unmodified-Since 412 "
    "(server/conditional.py); /download/… also serves one byte range (206, 416).\n"
    "- CORS: `Access-Control-Allow-Origin: *` on every answer; OPTIONS answers 204.\n"
    "- 502 and 504 (and 503 outside /sparql) occur only with a remote store (DX_STORE_URL)."
)


class Description:
    """The API's description from the features' ``operations``, built once per app."""

    def __init__(self, operations: Mapping[str, Builder]) -> None:
        self.operations = {**OPERATIONS, **operations}
        self._built: Json | None = None
        self._params: dict[tuple[str, str], frozenset[str]] = {}

    def document(self, url_map: Map, script_root: str = "") -> Json:
        """The OpenAPI 3.1 document of every route in ``url_map`` but the page assets."""
        if self._built is None:
            paths: Json = {}
            for rule in sorted(url_map.iter_rules(), key=lambda r: r.rule):
                if rule.endpoint not in ASSETS:
                    paths.update(path_items(rule, self.operations.get(rule.endpoint)))
            self._built = {
                "openapi": "3.1.0",
                "info": _info(),
                # Relative: right on whichever host serves it, so one copy fits every host.
                "servers": [{"url": script_root or "/"}],
                "paths": paths,
                "components": components(),
            }
        return self._built

    def query_parameters(self, rule: Rule) -> frozenset[str]:
        """The names of the query parameters ``rule``'s GET operations document (none for
        a route the description leaves out, such as the page assets)."""
        key = (rule.endpoint, rule.rule)
        found = self._params.get(key)
        if found is None:
            shared = components()["parameters"]
            builder = self.operations.get(rule.endpoint)
            names = set()
            for item in path_items(rule, builder).values() if builder else ():
                for param in item.get("get", {}).get("parameters", []):
                    param = shared[param["$ref"].rsplit("/", 1)[-1]] if "$ref" in param else param
                    if param.get("in") == "query":
                        names.add(param["name"])
            found = self._params[key] = frozenset(names)
        return found


def create_openapi_blueprint(description: Description) -> Blueprint:
    """``/openapi.json``, built from the app's routes on first request and then kept."""
    bp = Blueprint("openapi", __name__)

    @bp.get("/openapi.json")
    def document() -> Response:
        return jsonify(description.document(current_app.url_map, request.script_root))

    return bp
