"""The shapes of OpenAPI operations the features share: a page, a negotiated graph, a file
per extension, a JSON document. Each feature's ``openapi.py`` names its routes' operations
with these (``OPERATIONS``: endpoint → builder), and server/web/openapi merges them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from werkzeug.routing import Rule

from converter.formats import HTML, Format
from server.web.common.openapi import (
    Json,
    answer,
    content,
    operation,
    path_parameter,
    responses,
)

Builder = Callable[[str, str], dict[str, Json]]  # (OpenAPI path, operation id) → path items
Operations = dict[str, Builder]  # endpoint → its builder


def query_param(name: str, description: str) -> Json:
    """A query parameter taking a string."""
    return {"name": name, "in": "query", "description": description, "schema": {"type": "string"}}


def openapi_path(rule: Rule) -> str:
    """``/id/{rest}`` for the rule ``/id/<path:rest>``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)


def page(summary: str, *, store: bool = True) -> Builder:
    """A page for people only: HTML whatever Accept says."""

    def build(path: str, op_id: str) -> dict[str, Json]:
        ok = answer(content([HTML]))
        return {path: {"get": operation(op_id, summary, [], responses(ok, store=store))}}

    return build


def negotiated(
    summary: str, offered: tuple[Format, ...], param: Json | None = None, missing: int = 0
) -> Builder:
    """A graph or page negotiated over ``offered`` (the first one answers ``*/*``)."""

    def build(path: str, op_id: str) -> dict[str, Json]:
        ok = answer(content(offered), ["VaryAccept"])
        errors = (406, missing) if missing else (406,)
        params = [param] if param else []
        return {path: {"get": operation(op_id, summary, params, responses(ok, errors))}}

    return build


def variants(
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


def files(summary: str, offered: tuple[Format, ...]) -> Builder:
    """``/name.<ext>``: one concrete path per format, and the template for the rest (404)."""

    def build(path: str, op_id: str) -> dict[str, Json]:
        stem = path.removesuffix(".{ext}")
        extensions = [f.extension for f in offered]
        ext = path_parameter("ext", "a file extension", {"anyOf": [{"enum": extensions}, {}]})
        ok = answer(content(offered), ["VaryAccept"])
        get = operation(op_id, summary, [ext], responses(ok, [404]))
        return {path: {"get": get}, **variants(stem, op_id, offered, None)}

    return build


def json_document(
    summary: str, schema: str, errors: tuple[int, ...] = (), *, store: bool
) -> Builder:
    """A JSON document (application/json whatever Accept says)."""

    def build(path: str, op_id: str) -> dict[str, Json]:
        ok = answer({"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}})
        get = operation(op_id, summary, [], responses(ok, errors, store=store))
        return {path: {"get": get}}

    return build
