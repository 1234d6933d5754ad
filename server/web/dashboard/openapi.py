"""The OpenAPI operations of the dashboard: its query parameters, media types and bodies."""

from __future__ import annotations

from converter.formats import HTML
from server.web.common.openapi import Json, answer, content, operation, path_parameter, responses
from server.web.common.operations import Builder, Operations
from server.web.common.operations import query_param as _query

FILTERS = [
    _query("dept", "a department's key (somu-bu); the KPIs its projects carry"),
    _query("field", "a plan field's code (I, II)"),
    _query("item", "a plan item's code (I-3)"),
    _query("eval", "Achieved, PartiallyAchieved, NotAchieved or none (no evaluation)"),
]
SORT = _query("sort", "number (default), evaluation (not achieved first), progress (lowest first)")
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
}


def get(summary: str, body: Json, params: list[Json], errors: tuple[int, ...] = ()) -> Builder:
    """A GET answering ``body`` (content by media type) with ``params``."""

    def build(path: str, op_id: str) -> dict[str, Json]:
        get = operation(op_id, summary, params, responses(answer(body), errors))
        return {path: {"get": get}}

    return build


def _json(schema: str) -> Json:
    return {"application/json": {"schema": SCHEMAS[schema]}}


HTML_BODY = content([HTML])
CSV_BODY: Json = {"text/csv": {}}
OPERATIONS: Operations = {
    "dashboard.page": get(
        "The KPI dashboard (filters and sort by query)", HTML_BODY, FILTERS + [SORT]
    ),
    "dashboard.all_csv": get("The data of the KPIs shown, one row per value", CSV_BODY, FILTERS),
    "dashboard.all_json": get("The KPIs shown with their values", _json("dashboard"), FILTERS),
    "dashboard.kpi_csv": get("One KPI's values as CSV", CSV_BODY, [NUMBER], (404,)),
    "dashboard.kpi_json": get("One KPI's values as JSON", _json("kpi"), [NUMBER], (404,)),
    "dashboard.kpi_svg": get(
        "One KPI's chart (SVG for <img>)", {"image/svg+xml": {}}, [NUMBER], (404,)
    ),
    "dashboard.kpi_embed": get(
        "One KPI's chart as a page other sites may frame", HTML_BODY, [NUMBER], (404,)
    ),
}
