"""Canonical IRIs ↔ this server's URLs, and RDF responses.

The data always keeps the canonical base ``B``; only links in HTML are rewritten to the host
that served the page, so a laptop or staging server stays navigable (trifid's base rewriting).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, has_request_context, request, url_for
from rdflib import Graph

from converter.formats import HTML, RDF_FORMATS, Format
from server.config import current_settings
from server.negotiation import choose, request_header


def base_iri() -> str:
    """The canonical base ``B`` (always ends with ``/``)."""
    return current_settings().base_iri or ""


def local_path(iri: str) -> str | None:
    """``/id/kpi/2`` for ``B id/kpi/2``; ``None`` for IRIs outside the base."""
    base = base_iri()
    if iri.startswith(base):
        return request.script_root + "/" + iri[len(base) :]
    return None


SAFE_SCHEMES = ("http://", "https://", "mailto:")


def href(iri: object) -> str:
    """Where a link to ``iri`` should point from a page served by this host.

    Empty for schemes a browser could execute or misuse (``javascript:``, ``data:``): the
    data is not trusted to choose what a click does; templates then show plain text.
    """
    text = str(iri)
    local = local_path(text)
    if local is not None:
        return local
    return text if text.lower().startswith(SAFE_SCHEMES) else ""


def iri_for_path(path: str) -> str:
    """The canonical IRI of a request path such as ``id/kpi/2``."""
    return base_iri() + path.lstrip("/")


def lang_switch_url() -> str:
    """This page in the other language (keeps the other query parameters).

    A query-only reference (``?lang=en``): the browser keeps the page's own path, so no
    path, however it is spelt (``/%5Cevil.example/`` reads ``/\\evil.example/``), can turn
    the link into one to another site.
    """
    from server.web.i18n import current_lang

    args = {k: v for k, v in request.args.items() if k != "lang"}
    args["lang"] = "en" if current_lang() == "ja" else "ja"
    return "?" + urlencode(args)


def absolute(path: str) -> str:
    """The URL readers reach ``path`` of this site at: ``DX_PUBLIC_URL`` (by default the
    canonical base) and the path, never the request's ``Host``, which a client chooses."""
    root = request.script_root if has_request_context() else ""
    if root and path.startswith(root + "/"):
        path = path[len(root) :]
    return current_settings().public_base + path.lstrip("/")


def public_url(endpoint: str, **values: Any) -> str:
    """:func:`absolute` of a route (the external form of ``url_for``)."""
    return absolute(url_for(endpoint, **values))


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


def rdf_response(graph: Graph, fmt: Format, *, vary: bool = True) -> Response:
    """Serialize ``graph`` in ``fmt`` (the same writer as the dumps) with its charset."""
    body = fmt.serialize(graph, base_iri=base_iri())
    response = Response(body, content_type=fmt.content_type)
    if vary:
        response.vary.add("Accept")
    return response


def init_app(app: Flask) -> None:
    """Make ``href`` and the language switch available to every template."""
    app.jinja_env.globals.update(
        href=href, lang_switch_url=lang_switch_url, base_iri=base_iri, public_url=public_url
    )
