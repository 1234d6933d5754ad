"""The OpenAPI operations of the dashboard, the changes feed and search (server/web/
dashboard.py, changes.py, search.py): their query parameters, media types and body schemas.
The negotiated ``/changes`` and ``/changes.<ext>`` use server/web/openapi.py's builders."""

from __future__ import annotations

from collections.abc import Callable

from converter.formats import HTML
from server.web.openapi_components import (
    Json,
    answer,
    content,
    operation,
    path_parameter,
    responses,
)

Builder = Callable[[str, str], dict[str, Json]]


def _query(name: str, description: str) -> Json:
    return {"name": name, "in": "query", "description": description, "schema": {"type": "string"}}


FILTERS = [
    _query("dept", "a department's key (somu-bu); the KPIs its projects carry"),
    _query("field", "a plan field's code (I, II)"),
    _query("item", "a plan item's code (I-3)"),
    _query("eval", "Achieved, PartiallyAchieved, NotAchieved or none (no evaluation)"),
]
SORT = _query("sort", "number (default), evaluation (not achieved first), progress (lowest first)")
SEARCH = [
    _query("q", "words (Japanese or English; one character or more), all of which must occur"),
    _query("dept", "a department's key: only results of that department"),
    _query("item", "a plan item's code: only results under it"),
    _query("eval", "an evaluation (Achieved …): only results with it"),
    _query("edition", "an edition (fy2023): only its projects"),
]
NUMBER = path_parameter("number", "the KPI's number", {"type": "integer", "minimum": 0})
_OBJECT: Json = {"type": "object"}
KPI_SCHEMA: Json = {
    "type": "object",
    "required": ["number", "iri", "name", "unit", "direction", "evaluation", "values"],
    "properties": {
        "number": {"type": "integer"},
        "iri": {"type": "string"},
        "values": {"type": "array", "items": _OBJECT},
        "progress_percent": {"type": ["number", "null"]},
        "change_percent": {"type": ["number", "null"]},
    },
}
SOURCE: Json = {"attribution": _OBJECT, "method": _OBJECT}
SCHEMAS: dict[str, Json] = {
    "dashboard": {
        "type": "object",
        "required": ["attribution", "method", "editions", "summary", "kpis"],
        "properties": {**SOURCE, "kpis": {"type": "array", "items": KPI_SCHEMA}},
    },
    "kpi": {"allOf": [KPI_SCHEMA, {"type": "object", "required": ["attribution", "method"]}]},
    "search": {
        "type": "object",
        "required": ["query", "count", "results", "facets"],
        "properties": {"count": {"type": "integer"}, "results": {"type": "array"}},
    },
}


def _get(summary: str, body: Json, params: list[Json], errors: tuple[int, ...] = ()) -> Builder:
    def build(path: str, op_id: str) -> dict[str, Json]:
        get = operation(op_id, summary, params, responses(answer(body), errors))
        return {path: {"get": get}}

    return build


def _json(schema: str) -> Json:
    return {"application/json": {"schema": SCHEMAS[schema]}}


HTML_BODY = content([HTML])
CSV_BODY: Json = {"text/csv": {}}
BUILDERS: dict[str, Builder] = {
    "dashboard.page": _get(
        "The KPI dashboard (filters and sort by query)", HTML_BODY, FILTERS + [SORT]
    ),
    "dashboard.all_csv": _get("The data of the KPIs shown, one row per value", CSV_BODY, FILTERS),
    "dashboard.all_json": _get("The KPIs shown with their values", _json("dashboard"), FILTERS),
    "dashboard.kpi_csv": _get("One KPI's values as CSV", CSV_BODY, [NUMBER], (404,)),
    "dashboard.kpi_json": _get("One KPI's values as JSON", _json("kpi"), [NUMBER], (404,)),
    "dashboard.kpi_svg": _get(
        "One KPI's chart (SVG for <img>)", {"image/svg+xml": {}}, [NUMBER], (404,)
    ),
    "dashboard.kpi_embed": _get(
        "One KPI's chart as a page other sites may frame", HTML_BODY, [NUMBER], (404,)
    ),
    "changes.feed": _get("The changes as an Atom 1.0 feed", {"application/atom+xml": {}}, []),
    "search.page": _get("Full-text search over projects and KPIs", HTML_BODY, SEARCH),
    "search.as_json": _get("The same search as JSON", _json("search"), SEARCH),
}
