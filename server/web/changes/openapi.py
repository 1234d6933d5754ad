"""The OpenAPI operations of the changes between editions (page, RDF, Atom feed)."""

from __future__ import annotations

from server.web.common.openapi import answer, operation, responses
from server.web.common.operations import Json, Operations, files, negotiated
from server.web.common.representations import PAGE_FORMATS


def _feed(path: str, op_id: str) -> dict[str, Json]:
    body: Json = {"application/atom+xml": {}}
    get = operation(op_id, "The changes as an Atom 1.0 feed", [], responses(answer(body)))
    return {path: {"get": get}}


OPERATIONS: Operations = {
    "changes.page": negotiated("The changes between editions (HTML for */*)", PAGE_FORMATS),
    "changes.page_file": files("The changes in the format its extension names", PAGE_FORMATS),
    "changes.feed": _feed,
}
