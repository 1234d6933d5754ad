"""The portal listing: ``/catalog`` (DCAT), ``/.well-known/void`` (VoID), ``/catalog/ckan.json``.

All three are read from the catalog graph ``B graph/catalog`` through the store, each with
one query.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, jsonify, render_template
from rdflib import RDF, Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, VOID
from rdflib.term import Node

from converter.contract import FileEntry
from converter.formats import HTML, Format, from_extension
from server.errors import ApiError
from server.stores.base import Store
from server.web import schemaorg
from server.web.catalog.graphs import ckan_package, media_type, text, void_graph
from server.web.catalog.openapi import OPERATIONS
from server.web.common.batch import select_parts
from server.web.common.context import Context
from server.web.common.i18n import current_lang
from server.web.common.publication import LICENCE_URL, catalog_graph, catalog_graph_iri
from server.web.common.representations import (
    MACHINE_FORMATS,
    PAGE_FORMATS,
    choose_format,
    rdf_response,
)
from server.web.schemaorg import dataset as dataset_markup

__all__ = ["OPERATIONS", "create_blueprint"]


class CatalogView:
    """Helpers the catalog template uses to read the graph in the page language."""

    def __init__(self, graph: Graph, lang: str) -> None:
        self.graph, self.lang = graph, lang

    def text(self, subject: Node, prop: str) -> str:
        return text(
            self.graph, subject, DCTERMS[prop] if ":" not in prop else URIRef(prop), self.lang
        )

    def of(self, subject: Node | None, prop: URIRef) -> list[Node]:
        return sorted(self.graph.objects(subject, prop), key=str)

    def typed(self, cls: URIRef) -> list[Node]:
        return sorted(self.graph.subjects(RDF.type, cls), key=str)

    def media(self, node: Node) -> str:
        return media_type(node)

    DCAT, DCTERMS, FOAF, VOID = DCAT, DCTERMS, FOAF, VOID


def _catalog_page(store: Store, files: list[FileEntry]) -> str:
    """The catalog for people, with its schema.org ``Dataset`` (one query for both)."""
    parts = select_parts(store, dataset_markup.parts(catalog_graph_iri()))
    graph = dataset_markup.catalog_of(parts["catalog"])
    markup = dataset_markup.dataset(graph, files, parts, LICENCE_URL)
    return render_template(
        "catalog/catalog.html",
        graph=graph,
        view=CatalogView(graph, current_lang()),
        jsonld=schemaorg.script(markup),
    )


def _negotiated(
    graph: Callable[[], Graph], forced: Format | None, page: Callable[[], str]
) -> Response:
    # Machine-first: portals harvest with ``Accept: */*`` (requests' default) and need RDF;
    # browsers name text/html and still get the page.
    fmt = choose_format(MACHINE_FORMATS, forced)
    if fmt is HTML:
        response = Response(page(), mimetype="text/html")
        response.vary.add("Accept")
        return response
    return rdf_response(graph(), fmt)


def create_blueprint(context: Context) -> Blueprint:
    """Catalog, VoID and CKAN views over the store."""
    store, license_id = context.store, context.settings.ckan_license_id
    files = sorted(context.manifest.files, key=lambda f: f.name) if context.manifest else []
    bp = Blueprint("catalog", __name__, template_folder="templates")

    def catalog_page() -> str:
        return _catalog_page(store, files)

    def void_page() -> str:
        graph = void_graph(store)
        return render_template(
            "catalog/void.html", graph=graph, view=CatalogView(graph, current_lang())
        )

    @bp.get("/catalog")
    def catalog() -> Response:
        return _negotiated(lambda: catalog_graph(store), None, catalog_page)

    @bp.get("/catalog.<ext>")
    def catalog_file(ext: str) -> Response:
        fmt = from_extension(ext, PAGE_FORMATS)
        if fmt is None:
            raise ApiError(404, f"no catalog in .{ext}; try .ttl, .jsonld, .nt or .rdf")
        return _negotiated(lambda: catalog_graph(store), fmt, catalog_page)

    @bp.get("/.well-known/void")
    def void() -> Response:
        return _negotiated(lambda: void_graph(store), None, void_page)

    @bp.get("/catalog/ckan.json")
    def ckan() -> Response:
        return jsonify(ckan_package(store, license_id))

    return bp
