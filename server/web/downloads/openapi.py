"""The OpenAPI operations of the downloads feature."""

from __future__ import annotations

from converter.formats import DOCUMENT_FORMATS, RDF_FORMATS, for_file
from server.web.common.openapi import (
    REASONS,
    Json,
    answer,
    content,
    operation,
    path_parameter,
    responses,
)
from server.web.common.operations import Operations, page


def downloads(path: str, op_id: str) -> dict[str, Json]:
    """``/download/<name>``: a published file, exactly as the build's manifest lists it."""
    name = path_parameter("name", "a file name from /download/ (the build's manifest)")
    types = (*RDF_FORMATS, *DOCUMENT_FORMATS, for_file(""))
    headers = ["Content-Disposition", "Content-Encoding", "Accept-Ranges"]
    ok = answer(content(types), headers, "the file; its ETag is its sha256 (-gzip: compressed)")
    part = answer(content(types), [*headers, "Content-Range"], REASONS[206])
    answers = responses(ok, [404, 416], store=False) | {"206": part}
    ranges = [
        _header_param("Range", "one byte range (bytes=0-99, bytes=100-, bytes=-50); others: 200"),
        _header_param("If-Range", "an ETag or date: the range only if the file is still that one"),
    ]
    return {path: {"get": operation(op_id, "A published file", [name, *ranges], answers)}}


def _header_param(name: str, description: str) -> Json:
    return {"name": name, "in": "header", "description": description, "schema": {"type": "string"}}


OPERATIONS: Operations = {
    "downloads.index": page("The list of downloads", store=False),
    "downloads.download": downloads,
}
