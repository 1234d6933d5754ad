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
from server.web import browse, describe, markup
from server.web.chart import FULL, SMALL, bar_chart
from server.web.i18n import current_lang, t
from server.web.labels import Labeller
from server.web.linking import (
    MACHINE_FORMATS,
    PAGE_FORMATS,
    choose_format,
    iri_for_path,
    rdf_response,
)

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


def resolve(store: Store, path: str) -> tuple[str, Format | None]:
    """The canonical IRI of a request path and the format its extension forces, if any.

    :raises ApiError: (404) the store knows nothing about the IRI.
    """
    stem, forced = split_extension(path, PAGE_FORMATS)
    if forced is not None:
        iri = _checked(stem)
        if describe.exists(store, iri):
            return iri, forced
    iri = _checked(path)
    if not describe.exists(store, iri):
        raise ApiError(404, f"no such resource: {iri}")
    return iri, None


def _alternates(path: str) -> str:
    stem = request.script_root + "/" + path
    return ", ".join(
        f'<{stem}.{f.extension}>; rel="alternate"; type="{f.media_type}"' for f in PAGE_FORMATS
    )


def _kpi_parts(store: Store, iri: str, graph: Graph, labeller: Labeller) -> dict[str, object]:
    values = describe.kpi_values(store, iri, labeller)
    bars, categories = describe.chart_bars(values, t("baseline"))
    legend = {k: t(k) for k in ("baseline", "target", "actual")}
    units = [u for u in graph.objects(URIRef(iri), DX.unitLabel) if isinstance(u, Literal)]
    unit = next((str(u) for u in units if u.language == labeller.lang), "")
    unit = unit or next((str(u) for u in units), "")
    labeller.load([URIRef(iri)])
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
        text = markup.kpi_summary(name, values, _kind_labels())
    elif lang == "en":
        text = f"{name} ({', '.join(types)}) — {t('site')}"
        text = f"{text}. {own}" if own else text
    else:
        text = own or f"{name}（{'・'.join(types)}）— {t('site')}"
    return {
        "title": name,
        "description": markup.shorten(text),
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
        return markup.script(markup.project(graph, iri))
    values = kpi["values"]
    if DX.Kpi in types and isinstance(values, list):
        return markup.script(
            markup.kpi(
                graph, iri, values, lang=lang, kind_labels=_kind_labels(), description=description
            )
        )
    return ""


def _page(store: Store, iri: str, graph: Graph) -> str:
    lang = current_lang()
    labeller = Labeller(store, lang)
    rows = describe.property_rows(graph, iri, labeller)
    types = set(graph.objects(URIRef(iri), RDF.type))
    kpi: dict[str, object] = {"values": [], "chart": None, "chart_narrow": None, "direction": None}
    if DX.Kpi in types:
        kpi = _kpi_parts(store, iri, graph, labeller)
    # A KPI's values are in their own table; listing them again as "referenced by" is noise.
    skip = frozenset({str(DX.refKpi)}) if kpi["values"] else frozenset()
    incoming = describe.incoming_rows(store, iri, labeller, skip=skip)
    labeller.load([URIRef(iri), *types])
    primary = sorted(str(x) for x in types if str(x).startswith(str(DX)))
    type_labels = [labeller(x) for x in primary or sorted(str(x) for x in types)]
    title, original = labeller(iri), labeller.original(iri)
    meta = _meta(graph, iri, title, original, type_labels, lang, kpi)
    return render_template(
        "resource.html",
        iri=iri,
        title=title,
        original=original,
        rows=rows,
        summary=describe.summary_rows(rows, types, lang, {str(DX.unitLabel): t("unit")}),
        incoming=incoming,
        crumbs=browse.trail(store, iri, types, labeller),
        types=type_labels,
        alternates=[(f.extension, f.media_type) for f in PAGE_FORMATS if f is not HTML],
        meta=meta,
        jsonld=_jsonld(graph, iri, types, lang, kpi, meta["description"]),
        **kpi,
    )


def serve(store: Store, path: str) -> Response:
    """The resource at ``path`` in the representation the client asked for."""
    iri, forced = resolve(store, path)
    fmt = choose_format(PAGE_FORMATS, forced)
    graph = store.construct(describe.describe_query(iri))
    if fmt is HTML:
        response = Response(_page(store, iri, graph), mimetype="text/html")
    else:
        response = rdf_response(graph, fmt)
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
        graph_iri = iri_for_path("graph/ontology")
        graph = store.construct(
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} }}"
        )
        response = rdf_response(graph, fmt)
    response.vary.add("Accept")
    return response


def _graph(store: Store, name: str) -> Response:
    """A named graph's content (RDF only: graphs are too large to be a page)."""
    stem, forced = split_extension(name, RDF_FORMATS)
    graph_iri = _checked("graph/" + stem)
    if not store.ask(f"ASK {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} }}"):
        raise ApiError(404, f"no such graph: {graph_iri}")
    fmt = choose_format((*RDF_FORMATS, HTML), forced)
    if fmt is HTML:  # people get the listing of downloads instead
        raise ApiError(406, "graphs are served as RDF only; see /download/ for files")
    graph = store.construct(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} }}"
    )
    return rdf_response(graph, fmt)


def create_resources_blueprint(store: Store, dist_dir: Path) -> Blueprint:
    """``/id/…``, ``/graph/…`` and ``/ontology`` over ``store`` (its page from ``dist_dir``)."""
    bp = Blueprint("resources", __name__)

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
