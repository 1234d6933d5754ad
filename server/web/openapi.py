"""``/openapi.json``: the OpenAPI 3.1 description of the server's public HTTP API.

Written from the app's own routes (``url_map``) and the formats registry when first asked
for, so a route or a format cannot be added without the description following: each route's
endpoint has a builder here, a route without one is listed as ``x-undescribed`` (a test
fails on it), and every media type comes from converter/formats.py. The media type is
``application/json``: browsers show it, and every OpenAPI tool reads it; the registered
``application/vnd.oai.openapi+json;version=3.1`` is known to few clients, and most tools
that use it accept the JSON one as well.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from copy import deepcopy
from importlib.metadata import PackageNotFoundError, version

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.routing import Map, Rule

from converter.formats import HTML, RDF_FORMATS, Format
from server.web.i18n import STRINGS
from server.web.linking import MACHINE_FORMATS, PAGE_FORMATS
from server.web.openapi_components import (
    Json,
    answer,
    components,
    content,
    error,
    operation,
    options,
    path_parameter,
    responses,
)
from server.web.openapi_progress import BUILDERS as PROGRESS_BUILDERS
from server.web.openapi_sparql import downloads, sparql

#: Page assets (styles, scripts, the icon): served, but not part of the API.
ASSETS = frozenset({"static", "sparql.static", "_favicon"})
#: Methods every rule answers that the builders leave to :func:`_head` and ``options()``.
DERIVED = frozenset({"HEAD", "OPTIONS"})

Builder = Callable[[str, str], dict[str, Json]]  # (OpenAPI path, operation id) → path items


def openapi_path(rule: Rule) -> str:
    """``/id/{rest}`` for the rule ``/id/<path:rest>``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)


def _page(summary: str, *, store: bool = True) -> Builder:
    """A page for people only: HTML whatever Accept says."""

    def build(path: str, op_id: str) -> dict[str, Json]:
        ok = answer(content([HTML]))
        return {path: {"get": operation(op_id, summary, [], responses(ok, store=store))}}

    return build


def _negotiated(
    summary: str, offered: tuple[Format, ...], param: Json | None = None, missing: int = 0
) -> Builder:
    """A graph or page negotiated over ``offered`` (the first one answers ``*/*``)."""

    def build(path: str, op_id: str) -> dict[str, Json]:
        ok = answer(content(offered), ["VaryAccept"])
        errors = (406, missing) if missing else (406,)
        params = [param] if param else []
        return {path: {"get": operation(op_id, summary, params, responses(ok, errors))}}

    return build


def _variants(
    path: str,
    op_id: str,
    offered: Iterable[Format],
    param: Json | None,
    headers: tuple[str, ...] = (),
) -> Json:
    """``<path>.<ext>`` for each offered format: that format, no negotiation."""
    items = {}
    for fmt in offered:
        ok = answer(content([fmt]), ["VaryAccept", *headers])
        summary = f"The same in {fmt.name} (.{fmt.extension})"
        get = operation(
            f"{op_id}_{fmt.key}", summary, [param] if param else [], responses(ok, [404])
        )
        items[f"{path}.{fmt.extension}"] = {"get": get}
    return items


def _resource(path: str, op_id: str) -> dict[str, Json]:
    param = path_parameter("rest", "the IRI's path below B id/ (may contain /)")
    ok = answer(content(PAGE_FORMATS), ["VaryAccept", "Link", "Content-Location"])
    get = operation(
        op_id,
        "A resource IRI: its page (people) or its description (RDF), by Accept",
        [param],
        responses(ok, [404, 406]),
    )
    get["description"] = (
        "No 303 hop: the answer is direct, Content-Location names the variant sent and Link "
        "the others. format= is not read here (extensions force a format instead)."
    )
    return {path: {"get": get}, **_variants(path, op_id, PAGE_FORMATS, param, ("Link",))}


def _graph(path: str, op_id: str) -> dict[str, Json]:
    param = path_parameter("name", "the named graph's path below B graph/")
    build = _negotiated("A named graph (RDF only: HTML gets 406)", RDF_FORMATS, param, 404)
    return build(path, op_id) | _variants(path, op_id, RDF_FORMATS, param)


def _files(summary: str, offered: tuple[Format, ...]) -> Builder:
    """``/name.<ext>``: one concrete path per format, and the template for the rest (404)."""

    def build(path: str, op_id: str) -> dict[str, Json]:
        stem = path.removesuffix(".{ext}")
        extensions = [f.extension for f in offered]
        ext = path_parameter("ext", "a file extension", {"anyOf": [{"enum": extensions}, {}]})
        ok = answer(content(offered), ["VaryAccept"])
        get = operation(op_id, summary, [ext], responses(ok, [404]))
        return {path: {"get": get}, **_variants(stem, op_id, offered, None)}

    return build


def _json(summary: str, schema: str, errors: tuple[int, ...] = (), *, store: bool) -> Builder:
    """A JSON document (application/json whatever Accept says)."""

    def build(path: str, op_id: str) -> dict[str, Json]:
        ok = answer({"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}})
        get = operation(op_id, summary, [], responses(ok, errors, store=store))
        return {path: {"get": get}}

    return build


_VERSION = path_parameter("version", "owl:versionInfo", {"type": "string", "pattern": "^[^/]+$"})
BUILDERS: dict[str, Builder] = {
    "pages.landing": _page("The landing page"),
    "pages.plan": _page("The plan's structure with its projects"),
    "pages.projects": _page("Projects by department and division"),
    "pages.kpis": _page("KPIs with baselines, targets and actual values"),
    "downloads.index": _page("The list of downloads", store=False),
    "downloads.download": downloads,
    "resources.resource": _resource,
    "resources.named_graph": _graph,
    "resources.ontology": _negotiated("The ontology (Turtle for */*)", MACHINE_FORMATS, None, 404),
    "resources.ontology_file": _files(
        "The ontology in the format its extension names", PAGE_FORMATS
    ),
    "resources.ontology_version": _negotiated(
        "The ontology by its version IRI", MACHINE_FORMATS, _VERSION, 404
    ),
    "catalog.catalog": _negotiated("The DCAT catalog (Turtle for */*)", MACHINE_FORMATS),
    "catalog.catalog_file": _files("The catalog in the format its extension names", PAGE_FORMATS),
    "catalog.void": _negotiated("VoID description of the dataset", MACHINE_FORMATS),
    "sparql.endpoint": sparql,
    "sparql.endpoint_slash": sparql,
    "catalog.ckan": _json("A CKAN package_create body", "CkanPackage", (404,), store=True),
    "openapi.document": _json("This description (OpenAPI 3.1)", "OpenApi", store=False),
    "changes.page": _negotiated("The changes between editions (HTML for */*)", PAGE_FORMATS),
    "changes.page_file": _files("The changes in the format its extension names", PAGE_FORMATS),
    **PROGRESS_BUILDERS,
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


def path_items(rule: Rule) -> dict[str, Json]:
    """The OpenAPI path items of one route, every method it answers included."""
    path, op_id = openapi_path(rule), _op_id(rule.endpoint)
    builder = BUILDERS.get(rule.endpoint)
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


_QUERY_PARAMETERS: dict[tuple[str, str], frozenset[str]] = {}


def query_parameters(rule: Rule) -> frozenset[str]:
    """The names of the query parameters ``rule``'s GET operations document (none for a
    route this description leaves out, such as the page assets)."""
    key = (rule.endpoint, rule.rule)
    found = _QUERY_PARAMETERS.get(key)
    if found is None:
        shared = components()["parameters"]
        names = set()
        for item in path_items(rule).values():
            for param in item.get("get", {}).get("parameters", []):
                param = shared[param["$ref"].rsplit("/", 1)[-1]] if "$ref" in param else param
                if param.get("in") == "query":
                    names.add(param["name"])
        found = _QUERY_PARAMETERS[key] = frozenset(names)
    return found


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


def build_document(url_map: Map, script_root: str = "") -> Json:
    """The OpenAPI 3.1 document of every route in ``url_map`` but the page assets."""
    paths: Json = {}
    for rule in sorted(url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint not in ASSETS:
            paths.update(path_items(rule))
    return {
        "openapi": "3.1.0",
        "info": _info(),
        # Relative: right on whichever host serves it, so one cached copy fits every host.
        "servers": [{"url": script_root or "/"}],
        "paths": paths,
        "components": components(),
    }


def create_openapi_blueprint() -> Blueprint:
    """``/openapi.json``, built from the app's routes on first request and then kept."""
    bp = Blueprint("openapi", __name__)
    built: list[Json] = []

    @bp.get("/openapi.json")
    def document() -> Response:
        if not built:
            built.append(build_document(current_app.url_map, request.script_root))
        return jsonify(built[0])

    return bp
