"""What the catalog feature serves besides the catalog graph itself: VoID, and a CKAN
``package_create`` body for portals that take uploads instead of harvesting."""

from __future__ import annotations

import re
from typing import Any

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, VOID
from rdflib.term import Node

from converter.formats import ALL, RDF_FORMATS, from_media_type
from converter.queries import graph_pattern
from converter.vocab import IANA_MEDIA, PREFIXES
from server.errors import ApiError
from server.stores.base import Store
from server.web.common.batch import select_parts
from server.web.common.publication import catalog_graph, catalog_graph_iri
from server.web.common.urls import base_iri, iri_for_path
from server.web.schemaorg.dataset import catalog_of

MEDIA_TYPE_PREFIX = IANA_MEDIA


def text(graph: Graph, subject: Node, prop: URIRef, lang: str) -> str:
    """``prop`` of ``subject`` in ``lang``, else without language, else any ("" for none)."""
    values = [o for o in graph.objects(subject, prop) if isinstance(o, Literal)]
    preferred = [v for v in values if v.language == lang] or [v for v in values if not v.language]
    chosen = preferred or values
    return str(chosen[0]) if chosen else ""


def munge_title_to_name(title: str) -> str:
    """CKAN's URL-name rule (``ckan.lib.munge``): lower-case ASCII words joined by ``-``."""
    name = re.sub(r"[^a-z0-9_-]+", "-", title.strip().lower())
    return re.sub(r"-+", "-", name).strip("-")[:100]


def media_type(node: Node | None) -> str:
    text = str(node or "")
    return text[len(MEDIA_TYPE_PREFIX) :] if text.startswith(MEDIA_TYPE_PREFIX) else text


def void_parts() -> dict[str, str]:
    """What VoID reads from the store besides the catalog graph: size and vocabularies."""
    return {
        "catalog": f"SELECT ?s ?p ?o WHERE {{ {graph_pattern(catalog_graph_iri())} }}",
        "triples": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
        "predicates": "SELECT DISTINCT ?p WHERE { GRAPH ?g { ?s ?p ?o } }",
    }


def void_graph(store: Store) -> Graph:
    """VoID for the dataset: endpoint, dumps, URI space, size and vocabularies (one query)."""
    parts = select_parts(store, void_parts())
    catalog = catalog_of(parts["catalog"])
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
        media = media_type(next(iter(catalog.objects(dist, DCAT.mediaType)), None))
        fmt = from_media_type(media, RDF_FORMATS)
        if fmt is not None and fmt.media_type == media:  # dumps are RDF; the CSV is not
            for url in catalog.objects(dist, DCAT.downloadURL):
                graph.add((dataset, VOID.dataDump, url))
    if (dataset, VOID.uriSpace, None) not in graph:
        graph.add((dataset, VOID.uriSpace, Literal(iri_for_path("id/"))))
    if (dataset, VOID.triples, None) not in graph:
        rows = parts["triples"]
        graph.add((dataset, VOID.triples, Literal(int(str(rows[0]["n"])) if rows else 0)))
    if (dataset, VOID.vocabulary, None) not in graph:
        predicates = parts["predicates"]
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
        media = media_type(next(iter(catalog.objects(dist, DCAT.mediaType)), None))
        resources.append(
            {
                "name": text(catalog, dist, DCTERMS.title, "ja") or str(url).rsplit("/", 1)[-1],
                "url": str(url),
                "format": _portal_format(media),
                "mimetype": media,
                "description": text(catalog, dist, DCTERMS.description, "ja"),
            }
        )
    title_en = text(catalog, dataset, DCTERMS.title, "en")
    licence = next(iter(catalog.objects(dist, DCTERMS.license)), "") if resources else ""
    return {
        "name": munge_title_to_name(title_en) or "fukushima-dx-kpi",
        "title": text(catalog, dataset, DCTERMS.title, "ja"),
        "notes": "\n\n".join(
            filter(
                None,
                (
                    text(catalog, dataset, DCTERMS.description, "ja"),
                    text(catalog, dataset, DCTERMS.description, "en"),
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
