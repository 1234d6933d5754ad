"""The schema.org ``Dataset`` of the landing and catalog pages, for Google Dataset Search.

Everything is read from the catalog graph, the store (the sub-selects of :func:`parts`, asked
with the page's own queries) and the build's manifest; the helpers that write JSON-LD
values are in server/web/schemaorg/__init__.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS
from rdflib.term import Node

from converter.contract import FileEntry
from converter.queries import graph_pattern
from server.web.common.batch import Row
from server.web.common.urls import base_iri
from server.web.schemaorg import (
    CONTEXT,
    LANGUAGE_ORDER,
    LANGUAGE_TAGS,
    JsonLd,
    _drop_empty,
    _first,
    _lang_rank,
    _one_or_many,
    _organisation,
    _value,
    texts,
)


def parts(catalog_graph: str) -> dict[str, str]:
    """The sub-selects a ``Dataset`` needs besides the catalog graph ``catalog_graph``.

    The register links the prefecture to the place (Wikidata, e-Stat) it governs, never
    with ``owl:sameAs``: an organisation is not the place. The catalog names the area by
    the same IRIs (``dct:spatial``); the organisations register's ``schema:name`` names it.
    """
    return {
        "catalog": f"SELECT ?s ?p ?o WHERE {{ {graph_pattern(catalog_graph)} }}",
        # The areas (dct:spatial) the dataset's creators and publishers serve.
        "agent_areas": f"""
        SELECT DISTINCT ?s ?o WHERE {{
          GRAPH <{catalog_graph}> {{ ?ds a dcat:Dataset ; dct:creator|dct:publisher ?s }}
          ?s dct:spatial ?o FILTER(isIRI(?o)) }}""",
        # The names of the dataset's own area.
        "place_names": f"""
        SELECT DISTINCT ?name WHERE {{
          GRAPH <{catalog_graph}> {{ ?ds a dcat:Dataset ; dct:spatial ?area }}
          ?org dct:spatial|dx:standardAreaCode ?area ; schema:name ?name }}""",
    }


def catalog_of(rows: list[Row]) -> Graph:
    """The catalog graph from the rows of the ``catalog`` part."""
    graph = Graph()
    for row in rows:
        graph.add((row["s"], row["p"], row["o"]))
    return graph


def _areas(rows: list[Row]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(str(row["s"]), []).append(str(row["o"]))
    return {k: sorted(v) for k, v in found.items()}


def _place(rows: list[Row], areas: Sequence[Node]) -> JsonLd | None:
    """The ``dct:spatial`` areas as one schema.org ``Place``, named by the register."""
    iris = sorted(str(a) for a in areas if isinstance(a, URIRef))
    if not iris:
        return None
    names = sorted((n for r in rows if isinstance(n := r.get("name"), Literal)), key=_lang_rank)
    return _drop_empty(
        {"@type": "Place", "name": [_value(n) for n in names], "sameAs": iris},
    )


def _temporal(graph: Graph, dataset: Node) -> str:
    """``dct:temporal`` as an ISO 8601 interval (``2022-04-01/2026-03-31``)."""
    for period in sorted(graph.objects(dataset, DCTERMS.temporal), key=str):
        start = _first(graph, period, DCAT.startDate)
        end = _first(graph, period, DCAT.endDate)
        if start is not None or end is not None:
            return f"{start if start is not None else '..'}/{end if end is not None else '..'}"
    return ""


def _distribution(graph: Graph, files: Sequence[FileEntry]) -> list[JsonLd]:
    """One ``DataDownload`` per DCAT distribution of the catalog (the data, not the shapes or
    the ontology page), with the media type the manifest serves it in."""
    titles: dict[str, list[Any]] = {}
    for dist in graph.subjects(RDF.type, DCAT.Distribution):
        for download in graph.objects(dist, DCAT.downloadURL):
            titles[str(download)] = texts(graph, dist, DCTERMS.title)
    result = []
    for f in files:
        content_url = f"{base_iri()}download/{f.name}"
        if content_url not in titles:
            continue
        result.append(
            {
                "@type": "DataDownload",
                "name": titles[content_url],
                "contentUrl": content_url,
                "encodingFormat": f.media_type,
            }
        )
    return result


def dataset(
    catalog: Graph, files: Sequence[FileEntry], found: dict[str, list[Row]], licence: str = ""
) -> JsonLd | None:
    """The schema.org ``Dataset`` of the catalog graph's ``dcat:Dataset``, for crawlers.

    ``files`` are the manifest's downloads; ``found`` the rows of :func:`parts`;
    ``licence`` is used only when the catalog states none. ``None`` when the catalog graph
    has no dataset.
    """
    ds = next(iter(sorted(catalog.subjects(RDF.type, DCAT.Dataset), key=str)), None)
    if ds is None:
        return None
    licences = sorted(catalog.objects(ds, DCTERMS.license), key=str)
    landing = _first(catalog, ds, DCAT.landingPage)
    return _drop_empty(
        {
            "@context": CONTEXT,
            "@type": "Dataset",
            "@id": str(ds),
            "name": texts(catalog, ds, DCTERMS.title),
            "description": texts(catalog, ds, DCTERMS.description),
            "url": str(landing) if landing is not None else base_iri(),
            "identifier": [
                *(str(x) for x in sorted(catalog.objects(ds, DCTERMS.identifier), key=str)),
                str(ds),
            ],
            "license": str(licences[0]) if licences else licence,
            "isAccessibleForFree": True,
            **_languages_and_keywords(catalog, ds),
            **_agents(catalog, ds, _areas(found["agent_areas"])),
            **_dates(catalog, ds),
            "temporalCoverage": _temporal(catalog, ds),
            "spatialCoverage": _place(
                found["place_names"], sorted(catalog.objects(ds, DCTERMS.spatial), key=str)
            ),
            "distribution": _distribution(catalog, files),
            "includedInDataCatalog": _one_or_many(
                [
                    _data_catalog(catalog, c)
                    for c in sorted(catalog.subjects(DCAT.dataset, ds), key=str)
                ]
            ),
        }
    )


def _languages_and_keywords(catalog: Graph, ds: Node) -> JsonLd:
    languages = {LANGUAGE_TAGS.get(str(x)) for x in catalog.objects(ds, DCTERMS.language)}
    keywords = sorted(
        (k for k in catalog.objects(ds, DCAT.keyword) if isinstance(k, Literal)), key=_lang_rank
    )
    return {
        "inLanguage": [x for x in LANGUAGE_ORDER if x in languages],
        "keywords": [_value(k) for k in keywords],
    }


def _agents(catalog: Graph, ds: Node, areas: dict[str, list[str]]) -> JsonLd:
    """``creator`` and ``publisher``, each with the area it serves."""
    roles = {"creator": DCTERMS.creator, "publisher": DCTERMS.publisher}
    agents = {role: sorted(catalog.objects(ds, prop), key=str) for role, prop in roles.items()}
    return {
        role: _one_or_many([_organisation(catalog, a, areas.get(str(a), ())) for a in found])
        for role, found in agents.items()
    }


def _dates(catalog: Graph, ds: Node) -> JsonLd:
    issued, modified = _first(catalog, ds, DCTERMS.issued), _first(catalog, ds, DCTERMS.modified)
    return {
        "datePublished": str(issued) if issued is not None else "",
        "dateModified": str(modified) if modified is not None else "",
    }


def _data_catalog(catalog: Graph, iri: Node) -> JsonLd:
    return _drop_empty(
        {
            "@type": "DataCatalog",
            "@id": str(iri),
            "name": texts(catalog, iri, DCTERMS.title),
            "url": str(iri),
        }
    )
