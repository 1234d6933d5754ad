"""What a page can be (HTML for people, a graph for programs) and how one is chosen.

The resources, the catalog and the changes negotiate over the one formats registry
(converter/formats.py), through server/negotiation.py, which makes the answer vary on
``Accept``.
"""

from __future__ import annotations

from flask import Response
from rdflib import Graph

from converter.formats import HTML, RDF_FORMATS, Format
from server.negotiation import choose, request_header
from server.web.common.urls import base_iri

#: What a resource, the catalog or VoID can be: a page for people, or a graph for programs.
PAGE_FORMATS: tuple[Format, ...] = (HTML, *RDF_FORMATS)
#: The same, for resources programs read first: Turtle unless the client names HTML.
MACHINE_FORMATS: tuple[Format, ...] = (*RDF_FORMATS, HTML)


def choose_format(
    offered: tuple[Format, ...] = PAGE_FORMATS, forced: Format | None = None
) -> Format:
    """The representation to send: the file extension if any, else ``Accept``.

    The order offered decides ``*/*`` and a missing ``Accept``: :data:`PAGE_FORMATS` is
    people-first (resource IRIs ``/id/…``: browsers and link previews get the page),
    :data:`MACHINE_FORMATS` machine-first (``/catalog``, VoID, ``/ontology``: requests,
    curl and ckanext-dcat's harvester get Turtle, while a browser, which names
    ``text/html`` itself, still gets the page).

    :raises ApiError: (406) nothing offered is acceptable; the message names what is.
    """
    if forced is not None:
        return forced
    return choose(request_header("Accept"), offered)


def rdf_response(graph: Graph, fmt: Format) -> Response:
    """Serialize ``graph`` in ``fmt`` (the same writer as the dumps) with its charset.

    ``Vary: Accept`` also on a variant an extension names (``/catalog.ttl``): the same
    answers as ever, and one rule for every graph the site serves (/openapi.json says so).
    """
    body = fmt.serialize(graph, base_iri=base_iri())
    response = Response(body, content_type=fmt.content_type)
    response.vary.add("Accept")
    return response
