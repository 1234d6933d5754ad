"""``/changes``: what each new edition changed, for people (HTML), programs (RDF) and feed
readers (``/changes.atom``).

The page negotiates like a resource (HTML first; Turtle, JSON-LD, N-Triples, RDF/XML by
``Accept`` or by extension, ``/changes.ttl``); the feed is Atom 1.0. With a single edition
there is nothing to compare: the page says so, the RDF holds only its own description and
the feed has no entry.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template
from rdflib import URIRef

from converter.era import edition_label
from converter.formats import HTML, Format, from_extension
from server.errors import ApiError
from server.stores.base import Store
from server.web.changes import atom
from server.web.changes.openapi import OPERATIONS
from server.web.changes.queries import Change, by_edition, changes_of, changes_parts, changes_rdf
from server.web.common.batch import select_parts
from server.web.common.context import Context
from server.web.common.i18n import current_lang, t
from server.web.common.labels import Labeller, label_rows
from server.web.common.publication import (
    EDITIONS,
    attribution_of,
    attribution_parts,
    editions_of,
)
from server.web.common.representations import PAGE_FORMATS, choose_format, rdf_response
from server.web.common.urls import absolute, href, page_meta, urls

__all__ = ["OPERATIONS", "create_blueprint"]


def _named(found: list[Change]) -> list[URIRef]:
    iris = {i for c in found for i in (c.type, c.previous, c.current, c.subject) if i}
    return [URIRef(i) for i in sorted(iris)]


def _page(store: Store) -> str:
    lang = current_lang()
    parts = select_parts(store, {**changes_parts(), **EDITIONS})
    labeller = Labeller(store, lang)
    labeller.know(label_rows(parts["labels"]))
    found = changes_of(parts)
    published = editions_of(parts)
    return render_template(
        "changes/changes.html",
        groups=by_edition(found),
        count=len(found),
        labeller=labeller,
        only_edition=edition_label(published[-1][0], lang) if published else "",
        formats=[f for f in PAGE_FORMATS if f is not HTML],
        meta=page_meta(t("changes_intro")),
    )


def _answer(store: Store, forced: Format | None = None) -> Response:
    fmt = choose_format(PAGE_FORMATS, forced)
    if fmt is HTML:
        response = Response(_page(store), mimetype="text/html")
    else:
        response = rdf_response(changes_rdf(store), fmt)
    response.vary.add("Accept")
    return response


def _absolute(iri: str) -> str:
    """The public URL of ``iri`` ("" for none; an IRI of another site stays as it is)."""
    link = href(iri) if iri else ""
    return absolute(link) if link.startswith("/") else link


def _feed(store: Store) -> Response:
    lang = current_lang()
    parts = select_parts(
        store, {**changes_parts(), **EDITIONS, **attribution_parts(), **atom.DATES}
    )
    found = changes_of(parts)
    published = editions_of(parts)
    years = {c.year for c in found} or {published[-1][0] if published else 0}
    stamps = {year: atom.updated(parts, year or None) for year in years}
    source = attribution_of(parts)
    text = atom.FeedText(
        title=f"{t('changes_title')} | {t('site')}",
        subtitle=t("changes_intro"),
        author=source.publisher.get(lang) or source.publisher.get("ja", ""),
        lang=lang,
        self_url=urls.public("changes_feed"),
        page_url=urls.public("changes"),
        rights=f"{source.text(lang)} {source.licence}",
        versions=(t("previous_version"), t("current_version")),
    )
    links = [
        {
            "page": _absolute(c.iri),
            "previous": _absolute(c.previous),
            "current": _absolute(c.current),
        }
        for c in found
    ]
    body = atom.feed_xml(found, stamps, links, text)
    return Response(body, content_type=f"{atom.MEDIA_TYPE}; charset=utf-8")


def create_blueprint(context: Context) -> Blueprint:
    """``/changes``, ``/changes.<ext>`` and ``/changes.atom`` over the store."""
    store = context.store
    bp = Blueprint("changes", __name__, template_folder="templates")

    @bp.get("/changes")
    def page() -> Response:
        return _answer(store)

    @bp.get("/changes.atom")
    def feed() -> Response:
        return _feed(store)

    @bp.get("/changes.<ext>")
    def page_file(ext: str) -> Response:
        fmt = from_extension(ext, PAGE_FORMATS)
        if fmt is None:
            raise ApiError(404, f"no /changes.{ext}; try .html, .ttl, .jsonld, .nt, .rdf or .atom")
        return _answer(store, fmt)

    return bp
