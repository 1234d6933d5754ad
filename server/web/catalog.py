"""The portal listing: ``/catalog`` (DCAT), ``/.well-known/void`` (VoID), ``/catalog/ckan.json``.

All three are read from the catalog graph ``B graph/catalog`` through the store.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, jsonify, render_template
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, VOID
from rdflib.term import Node

from converter.formats import ALL, HTML, RDF_FORMATS, Format, from_extension, from_media_type
from converter.vocab import IANA_MEDIA, PREFIXES
from server.errors import ApiError
from server.stores.base import Store
from server.web.i18n import current_lang
from server.web.linking import (
    MACHINE_FORMATS,
    PAGE_FORMATS,
    base_iri,
    choose_format,
    iri_for_path,
    rdf_response,
)

MEDIA_TYPE_PREFIX = IANA_MEDIA


def catalog_graph(store: Store) -> Graph:
    """The catalog named graph (empty when the build wrote none)."""
    graph_iri = iri_for_path("graph/catalog")
    return store.construct(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} }}"
    )


def _text(graph: Graph, subject: Node, prop: URIRef, lang: str) -> str:
    values = [o for o in graph.objects(subject, prop) if isinstance(o, Literal)]
    preferred = [v for v in values if v.language == lang] or [v for v in values if not v.language]
    chosen = preferred or values
    return str(chosen[0]) if chosen else ""


def munge_title_to_name(title: str) -> str:
    """CKAN's URL-name rule (``ckan.lib.munge``): lower-case ASCII words joined by ``-``."""
    name = re.sub(r"[^a-z0-9_-]+", "-", title.strip().lower())
    return re.sub(r"-+", "-", name).strip("-")[:100]


def _media_type(node: Node | None) -> str:
    text = str(node or "")
    return text[len(MEDIA_TYPE_PREFIX) :] if text.startswith(MEDIA_TYPE_PREFIX) else text


def void_graph(store: Store) -> Graph:
    """VoID for the dataset: endpoint, dumps, URI space, size and vocabularies."""
    catalog = catalog_graph(store)
    graph = Graph()
    for triple in catalog:
        if str(triple[1]).startswith(str(VOID)) or (
            triple[1] == RDF.type and str(triple[2]).startswith(str(VOID))
        ):
            graph.add(triple)
    dataset = next(
        iter(catalog.subjects(RDF.type, DCAT.Dataset)), URIRef(iri_for_path("id/dataset/dx-kpi"))
    )
    graph.add((dataset, RDF.type, VOID.Dataset))
    for title in catalog.objects(dataset, DCTERMS.title):
        graph.add((dataset, DCTERMS.title, title))
    # What the build already states wins; the rest is computed from the store.
    if (dataset, VOID.sparqlEndpoint, None) not in graph:
        endpoint = next(iter(catalog.objects(None, DCAT.endpointURL)), None)
        graph.add((dataset, VOID.sparqlEndpoint, endpoint or URIRef(iri_for_path("sparql"))))
    for dist in catalog.objects(dataset, DCAT.distribution):
        media = _media_type(next(iter(catalog.objects(dist, DCAT.mediaType)), None))
        fmt = from_media_type(media, RDF_FORMATS)
        if fmt is not None and fmt.media_type == media:  # dumps are RDF; the CSV is not
            for url in catalog.objects(dist, DCAT.downloadURL):
                graph.add((dataset, VOID.dataDump, url))
    if (dataset, VOID.uriSpace, None) not in graph:
        graph.add((dataset, VOID.uriSpace, Literal(iri_for_path("id/"))))
    if (dataset, VOID.triples, None) not in graph:
        rows = store.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        graph.add((dataset, VOID.triples, Literal(int(str(rows[0]["n"])) if rows else 0)))
    if (dataset, VOID.vocabulary, None) not in graph:
        predicates = store.select("SELECT DISTINCT ?p WHERE { GRAPH ?g { ?s ?p ?o } }")
        used = {ns for r in predicates for ns in PREFIXES.values() if str(r["p"]).startswith(ns)}
        for ns in sorted(used):
            graph.add((dataset, VOID.vocabulary, URIRef(ns)))
    return graph


def ckan_package(store: Store, license_id: str) -> dict[str, Any]:
    """A CKAN ``package_create`` body for portals that take uploads instead of harvesting."""
    catalog = catalog_graph(store)
    dataset = next(iter(catalog.subjects(RDF.type, DCAT.Dataset)), None)
    if dataset is None:
        raise ApiError(404, "the build has no catalog graph with a dcat:Dataset")
    resources = []
    for dist in sorted(catalog.objects(dataset, DCAT.distribution), key=str):
        url = next(iter(catalog.objects(dist, DCAT.downloadURL)), None) or next(
            iter(catalog.objects(dist, DCAT.accessURL)), ""
        )
        media = _media_type(next(iter(catalog.objects(dist, DCAT.mediaType)), None))
        resources.append(
            {
                "name": _text(catalog, dist, DCTERMS.title, "ja") or str(url).rsplit("/", 1)[-1],
                "url": str(url),
                "format": _portal_format(media),
                "mimetype": media,
                "description": _text(catalog, dist, DCTERMS.description, "ja"),
            }
        )
    title_en = _text(catalog, dataset, DCTERMS.title, "en")
    licence = next(iter(catalog.objects(dist, DCTERMS.license)), "") if resources else ""
    return {
        "name": munge_title_to_name(title_en) or "fukushima-dx-kpi",
        "title": _text(catalog, dataset, DCTERMS.title, "ja"),
        "notes": "\n\n".join(
            filter(
                None,
                (
                    _text(catalog, dataset, DCTERMS.description, "ja"),
                    _text(catalog, dataset, DCTERMS.description, "en"),
                ),
            )
        ),
        "url": base_iri(),
        "license_id": license_id,
        "tags": [{"name": str(k)} for k in sorted(catalog.objects(dataset, DCAT.keyword), key=str)],
        "resources": resources,
        "extras": [
            {"key": "uri", "value": str(dataset)},
            {"key": "title_en", "value": title_en},
            {"key": "license_url", "value": str(licence)},
            {"key": "language", "value": "ja"},
        ],
    }


def _portal_format(media_type: str) -> str:
    """CKAN's format label of a media type (``Turtle``, ``CSV``, …)."""
    exact = [f for f in ALL if f.media_type == media_type and f.kind != "results"]
    return exact[0].portal_format if exact else media_type.upper()


def _negotiated(graph_source: Any, forced: Format | None, page: str) -> Response:
    # Machine-first: portals harvest with ``Accept: */*`` (requests' default) and need RDF;
    # browsers name text/html and still get the page.
    fmt = choose_format(MACHINE_FORMATS, forced)
    graph = graph_source()
    if fmt is HTML:
        response = Response(
            render_template(page, graph=graph, view=CatalogView(graph, current_lang())),
            mimetype="text/html",
        )
        response.vary.add("Accept")
        return response
    return rdf_response(graph, fmt)


class CatalogView:
    """Helpers the catalog template uses to read the graph in the page language."""

    def __init__(self, graph: Graph, lang: str) -> None:
        self.graph, self.lang = graph, lang

    def text(self, subject: Node, prop: str) -> str:
        return _text(
            self.graph, subject, DCTERMS[prop] if ":" not in prop else URIRef(prop), self.lang
        )

    def of(self, subject: Node | None, prop: URIRef) -> list[Node]:
        return sorted(self.graph.objects(subject, prop), key=str)

    def typed(self, cls: URIRef) -> list[Node]:
        return sorted(self.graph.subjects(RDF.type, cls), key=str)

    def media(self, node: Node) -> str:
        return _media_type(node)

    DCAT, DCTERMS, FOAF, VOID = DCAT, DCTERMS, FOAF, VOID


def create_catalog_blueprint(store: Store, ckan_license_id: str) -> Blueprint:
    """Catalog, VoID and CKAN views over ``store``."""
    bp = Blueprint("catalog", __name__)

    @bp.get("/catalog")
    def catalog() -> Response:
        return _negotiated(lambda: catalog_graph(store), None, "catalog.html")

    @bp.get("/catalog.<ext>")
    def catalog_file(ext: str) -> Response:
        fmt = from_extension(ext, PAGE_FORMATS)
        if fmt is None:
            raise ApiError(404, f"no catalog in .{ext}; try .ttl, .jsonld, .nt or .rdf")
        return _negotiated(lambda: catalog_graph(store), fmt, "catalog.html")

    @bp.get("/.well-known/void")
    def void() -> Response:
        return _negotiated(lambda: void_graph(store), None, "void.html")

    @bp.get("/catalog/ckan.json")
    def ckan() -> Response:
        return jsonify(ckan_package(store, ckan_license_id))

    return bp
