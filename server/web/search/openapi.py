"""The OpenAPI operations of search."""

from __future__ import annotations

from converter.formats import HTML
from server.web.common.openapi import Json, answer, content, operation, responses
from server.web.common.operations import Builder, Operations
from server.web.common.operations import query_param as _query

SEARCH = [
    _query("q", "words (Japanese or English; one character or more), all of which must occur"),
    _query("dept", "a department's key: only results of that department"),
    _query("item", "a plan item's code: only results under it"),
    _query("eval", "an evaluation (Achieved …): only results with it"),
    _query("edition", "an edition (fy2023): only its projects"),
]
SCHEMA: Json = {
    "type": "object",
    "required": ["query", "count", "results", "facets"],
    "properties": {"count": {"type": "integer"}, "results": {"type": "array"}},
}


def _get(summary: str, body: Json) -> Builder:
    def build(path: str, op_id: str) -> dict[str, Json]:
        return {path: {"get": operation(op_id, summary, SEARCH, responses(answer(body)))}}

    return build


OPERATIONS: Operations = {
    "search.page": _get("Full-text search over projects and KPIs", content([HTML])),
    "search.as_json": _get("The same search as JSON", {"application/json": {"schema": SCHEMA}}),
}
