"""Dereferenceable IRIs: ``B id/…`` → ``/id/…`` as an HTML page or RDF, by Accept or extension.

Answers are direct ``200`` (no 303 hop); ``Content-Location`` names the variant sent and
``Link`` headers list the others (see the README for why).
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, request
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, SKOS
from rdflib.term import Node

from converter.formats import HTML, RDF_FORMATS, Format, from_extension
from converter.vocab import DX, ONTOLOGY_IRI, SCHEMA
from server.errors import ApiError
from server.negotiation import split_extension
from server.stores.base import Store
from server.web import schemaorg
from server.web.common.batch import select_parts
from server.web.common.chart import FULL, SMALL, bar_chart
from server.web.common.context import Context
from server.web.common.i18n import current_lang, t
from server.web.common.labels import Labeller, label_rows
from server.web.common.naming import shorten
from server.web.common.publication import named_graph
from server.web.common.representations import (
    MACHINE_FORMATS,
    PAGE_FORMATS,
    choose_format,
    rdf_response,
)
from server.web.common.urls import iri_for_path
from server.web.kpis import KpiSeries, series_from
from server.web.kpis.table import value_rows
from server.web.resources import describe
from server.web.resources.openapi import OPERATIONS
from server.web.resources.queries import describe_query, description_graph, page_parts
from server.web.resources.trail import trail

#: Characters that may not appear inside ``<…>`` in SPARQL (also blocks query injection).
UNSAFE_IRI = re.compile(r'[\s<>"{}|^`\\]')


def _checked(path: str) -> str:
    """The IRI of ``path``; 404 when no IRI can have that form (so no query is sent)."""
    iri = iri_for_path(path)
    if UNSAFE_IRI.search(path) or not path.strip("/") or not _is_iri(iri):
        raise ApiError(404, f"no such resource: /{path}")
    return iri


def _is_iri(text: str) -> bool:
    # Oxigraph's own IRI parser: a control character or a stray "%" would otherwise reach
    # the query parser and come back as a 400 (found by the schemathesis fuzz test).
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


def _stem_format(path: str) -> tuple[str, Format | None]:
    """``("id/kpi/2", TURTLE)`` for ``id/kpi/2.ttl``; an unknown extension stays."""
    return split_extension(path, PAGE_FORMATS)


def _alternates(path: str) -> str:
    stem = request.script_root + "/" + path
    return ", ".join(
        f'<{stem}.{f.extension}>; rel="alternate"; type="{f.media_type}"' for f in PAGE_FORMATS
    )


def _kpi_parts(iri: str, graph: Graph, kpi: KpiSeries, labeller: Labeller) -> dict[str, object]:
    values = value_rows(kpi, labeller)
    bars, categories = describe.chart_bars(values, t("baseline"))
    legend = {k: t(k) for k in ("baseline", "target", "actual")}
    units = [u for u in graph.objects(URIRef(iri), DX.unitLabel) if isinstance(u, Literal)]
    unit = next((str(u) for u in units if u.language == labeller.lang), "")
    unit = unit or next((str(u) for u in units), "")
    # Drawn twice, at the page's width and at a phone's (lod.css shows one): scaled down to
    # 390 px, the wide drawing's text would be 7 px high; the narrow one fits at full size.
    drawings = {
        name: bar_chart(
            bars,
            categories,
            title=labeller.text(iri),
            legend=legend,
            unit=unit,
            lang=labeller.lang,
            layout=layout,
            variant=name,
        )
        for name, layout in (("wide", FULL), ("narrow", SMALL))
    }
    direction = graph.value(URIRef(iri), DX.direction)
    return {
        "values": values,
        "chart": drawings["wide"],
        "chart_narrow": drawings["narrow"],
        "direction": direction,
    }


#: Where a resource's own summary is, in order of preference, for its meta description.
DESCRIPTION_PROPERTIES = (SCHEMA.description, DCTERMS.description, SKOS.definition, RDFS.comment)


def _description(graph: Graph, iri: str, lang: str) -> str:
    """The resource's own description in ``lang``, else in any language ("" if none)."""
    for prop in DESCRIPTION_PROPERTIES:
        found = [o for o in graph.objects(URIRef(iri), prop) if isinstance(o, Literal)]
        chosen = [x for x in found if x.language == lang] or found
        if chosen:
            return str(sorted(chosen)[0])
    return ""


def _meta(
    graph: Graph,
    iri: str,
    title: str,
    original: str,
    types: list[str],
    lang: str,
    kpi: dict[str, object],
) -> dict[str, str]:
    """``<meta name="description">`` and OpenGraph of a resource page, in the page language.

    Japanese pages say it in Japanese; English pages in English, with the Japanese name or
    summary beside it when the data has only Japanese.
    """
    name = f"{title} / {original}" if original else title
    own = _description(graph, iri, lang)
    values = kpi["values"]
    if isinstance(values, list) and values:
        text = schemaorg.kpi_summary(name, values, _kind_labels())
    elif lang == "en":
        text = f"{name} ({', '.join(types)}) — {t('site')}"
        text = f"{text}. {own}" if own else text
    else:
        text = own or f"{name}（{'・'.join(types)}）— {t('site')}"
    return {
        "title": name,
        "description": shorten(text),
        "url": iri,
        "type": "website",
    }


def _kind_labels() -> dict[str, str]:
    return {k: t(k) for k in ("baseline", "target", "actual")}


def _jsonld(
    graph: Graph, iri: str, types: set[Node], lang: str, kpi: dict[str, object], description: str
) -> str:
    """The page's schema.org block: projects and KPIs describe themselves."""
    if DX.Project in types:
        return schemaorg.script(schemaorg.project(graph, iri))
    values = kpi["values"]
    if DX.Kpi in types and isinstance(values, list):
        return schemaorg.script(
            schemaorg.kpi(
                graph, iri, values, lang=lang, kind_labels=_kind_labels(), description=description
            )
        )
    return ""


def _page(store: Store, iri: str) -> str | None:
    """The resource's page, from one query (and one more for labels it did not bring);
    None when the store knows nothing of ``iri``."""
    parts = select_parts(store, page_parts(iri))
    graph = description_graph(parts["description"])
    if not len(graph):
        return None
    lang = current_lang()
    labeller = Labeller(store, lang)
    labeller.know(label_rows(parts["labels"]))
    rows = describe.property_rows(graph, iri, labeller)
    types = set(graph.objects(URIRef(iri), RDF.type))
    kpi: dict[str, object] = {"values": [], "chart": None, "chart_narrow": None, "direction": None}
    found = series_from(parts)
    if DX.Kpi in types and found:
        kpi = _kpi_parts(iri, graph, found[0], labeller)
    # A KPI's values are in their own table; listing them again as "referenced by" is noise.
    skip = frozenset({str(DX.refKpi)}) if kpi["values"] else frozenset()
    incoming = describe.incoming_rows(graph, iri, labeller, skip=skip)
    primary = sorted(str(x) for x in types if str(x).startswith(str(DX)))
    type_labels = [labeller(x) for x in primary or sorted(str(x) for x in types)]
    title, original = labeller(iri), labeller.original(iri)
    meta = _meta(graph, iri, title, original, type_labels, lang, kpi)
    return render_template(
        "resources/resource.html",
        iri=iri,
        title=title,
        original=original,
        rows=rows,
        summary=describe.summary_rows(rows, types, lang, {str(DX.unitLabel): t("unit")}),
        incoming=incoming,
        crumbs=trail(iri, types, parts, labeller),
        types=type_labels,
        alternates=[(f.extension, f.media_type) for f in PAGE_FORMATS if f is not HTML],
        meta=meta,
        jsonld=_jsonld(graph, iri, types, lang, kpi, meta["description"]),
        **kpi,
    )


def _answer(store: Store, iri: str, fmt: Format) -> Response | None:
    """The resource in ``fmt``, or None when the store knows nothing of it (one query for
    RDF: the description, empty when the IRI is unknown)."""
    if fmt is HTML:
        page = _page(store, iri)
        return Response(page, mimetype="text/html") if page is not None else None
    graph = store.construct(describe_query(iri))
    return rdf_response(graph, fmt) if len(graph) else None


def _negotiated(store: Store, iri: str) -> Format:
    """The format ``Accept`` asks for; a 406 only for a resource that exists (404 first).

    :raises ApiError: (406) nothing offered is acceptable; (404) and ``iri`` is unknown.
    """
    try:
        return choose_format(PAGE_FORMATS)
    except ApiError:
        if not store.ask(f"ASK {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?p <{iri}> }} }}"):
            raise ApiError(404, f"no such resource: {iri}") from None
        raise


def serve(store: Store, path: str) -> Response:
    """The resource at ``path`` in the representation the client asked for.

    An extension names a format (``/id/kpi/2.ttl``) when the IRI without it is known;
    otherwise the whole path is the IRI.

    :raises ApiError: (404) the store knows nothing of the IRI; (406) nothing acceptable.
    """
    stem, forced = _stem_format(path)
    response = None
    if forced is not None:
        iri, fmt = _checked(stem), forced
        response = _answer(store, iri, fmt)
    if response is None:
        iri, forced = _checked(path), None
        fmt = _negotiated(store, iri)
        response = _answer(store, iri, fmt)
    if response is None:
        raise ApiError(404, f"no such resource: {iri}")
    base_path = iri[len(iri_for_path("")) :]
    response.vary.add("Accept")
    response.headers["Link"] = _alternates(base_path)
    if forced is None:
        response.headers["Content-Location"] = f"{request.script_root}/{base_path}.{fmt.extension}"
    return response


ONTOLOGY_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'none'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def _ontology(store: Store, dist_dir: Path, forced: Format | None = None) -> Response:
    """``B ontology``: the ontology's HTML page for people, its graph for programs."""
    fmt = choose_format(MACHINE_FORMATS, forced)  # machine-first
    if fmt is HTML:
        page = dist_dir / "download" / "ontology.html"
        try:
            response = Response(page.read_bytes(), mimetype="text/html")
        except OSError:
            raise ApiError(404, "ontology.html is not in this build") from None
        # The ontology page carries its own inline stylesheet; it runs no script.
        response.headers["Content-Security-Policy"] = ONTOLOGY_CSP
    else:
        response = rdf_response(named_graph(store, iri_for_path("graph/ontology")), fmt)
    response.vary.add("Accept")
    return response


def _graph(store: Store, name: str) -> Response:
    """A named graph's content (RDF only: graphs are too large to be a page)."""
    stem, forced = split_extension(name, RDF_FORMATS)
    graph_iri = _checked("graph/" + stem)
    graph = named_graph(store, graph_iri)  # the one query: empty when there is no such graph
    if not len(graph):
        raise ApiError(404, f"no such graph: {graph_iri}")
    fmt = choose_format((*RDF_FORMATS, HTML), forced)
    if fmt is HTML:  # people get the listing of downloads instead
        raise ApiError(406, "graphs are served as RDF only; see /download/ for files")
    return rdf_response(graph, fmt)


def create_blueprint(context: Context) -> Blueprint:
    """``/id/…``, ``/graph/…`` and ``/ontology`` over the store (its page from the build)."""
    store, dist_dir = context.store, context.dist_dir
    bp = Blueprint("resources", __name__, template_folder="templates")

    @bp.get("/id/<path:rest>")
    def resource(rest: str) -> Response:
        return serve(store, "id/" + rest)

    @bp.get("/graph/<path:name>")
    def named_graph(name: str) -> Response:
        return _graph(store, name)

    @bp.get("/ontology")
    def ontology() -> Response:
        return _ontology(store, dist_dir)

    @bp.get("/ontology.<ext>")
    def ontology_file(ext: str) -> Response:
        fmt = from_extension(ext, PAGE_FORMATS)
        if fmt is None:
            raise ApiError(404, f"no ontology in .{ext}; try .html, .ttl, .jsonld, .nt or .rdf")
        return _ontology(store, dist_dir, fmt)

    @bp.get("/ontology/<version>")
    def ontology_version(version: str) -> Response:
        # The owl:versionIRI B ontology/<owl:versionInfo> (".ttl" etc. force a format).
        stem, forced = split_extension(version, PAGE_FORMATS)
        current = ontology_version_info(store)
        if stem != current:
            raise ApiError(404, f"no ontology version {stem}; the published one is {current}")
        return _ontology(store, dist_dir, forced)

    return bp


def ontology_version_info(store: Store) -> str:
    """The published ontology's ``owl:versionInfo`` ("" when the build has no ontology)."""
    rows = store.select(
        f"SELECT ?v WHERE {{ GRAPH <{iri_for_path('graph/ontology')}> "
        f"{{ <{ONTOLOGY_IRI}> <{OWL.versionInfo}> ?v }} }}"
    )
    return str(rows[0]["v"]) if rows else ""


__all__ = ["OPERATIONS", "create_blueprint", "ontology_version_info", "serve"]
