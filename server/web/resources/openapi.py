"""The OpenAPI operations of the resources feature: ``/id/…``, ``/graph/…``, ``/ontology``."""

from __future__ import annotations

from converter.formats import RDF_FORMATS
from server.web.common.openapi import Json, answer, content, operation, path_parameter, responses
from server.web.common.operations import Operations, files, negotiated, variants
from server.web.common.representations import MACHINE_FORMATS, PAGE_FORMATS

_VERSION = path_parameter("version", "owl:versionInfo", {"type": "string", "pattern": "^[^/]+$"})


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
    return {path: {"get": get}, **variants(path, op_id, PAGE_FORMATS, param, ("Link",))}


def _graph(path: str, op_id: str) -> dict[str, Json]:
    param = path_parameter("name", "the named graph's path below B graph/")
    build = negotiated("A named graph (RDF only: HTML gets 406)", RDF_FORMATS, param, 404)
    return build(path, op_id) | variants(path, op_id, RDF_FORMATS, param)


OPERATIONS: Operations = {
    "resources.resource": _resource,
    "resources.named_graph": _graph,
    "resources.ontology": negotiated("The ontology (Turtle for */*)", MACHINE_FORMATS, None, 404),
    "resources.ontology_file": files(
        "The ontology in the format its extension names", PAGE_FORMATS
    ),
    "resources.ontology_version": negotiated(
        "The ontology by its version IRI", MACHINE_FORMATS, _VERSION, 404
    ),
}
