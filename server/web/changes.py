"""``/changes``: what each new edition changed, for people (HTML), programs (RDF) and feed
readers (``/changes.atom``).

The page negotiates like a resource (HTML first; Turtle, JSON-LD, N-Triples, RDF/XML by
``Accept`` or by extension, ``/changes.ttl``); the feed is Atom 1.0. With a single edition
there is nothing to compare: the page says so, the RDF holds only its own description and
the feed has no entry.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from rdflib import URIRef

from converter.formats import HTML, Format, from_extension
from server.errors import ApiError
from server.stores.base import Store
from server.web import atom
from server.web.attribution import attribution
from server.web.changes_data import Change, by_edition, changes, changes_rdf
from server.web.i18n import current_lang, t
from server.web.labels import Labeller
from server.web.linking import (
    PAGE_FORMATS,
    absolute,
    choose_format,
    href,
    public_url,
    rdf_response,
)
from server.web.markup import canonical, shorten
from server.web.progress import edition_name
from server.web.series import editions


def _named(found: list[Change]) -> list[URIRef]:
    iris = {i for c in found for i in (c.type, c.previous, c.current, c.subject) if i}
    return [URIRef(i) for i in sorted(iris)]


def _page(store: Store) -> str:
    lang = current_lang()
    labeller = Labeller(store, lang)
    found = changes(store)
    labeller.load(_named(found))
    published = editions(store)
    return render_template(
        "changes.html",
        groups=by_edition(found),
        count=len(found),
        labeller=labeller,
        edition_name=lambda year: edition_name(year, lang),
        only_edition=edition_name(published[-1][0], lang) if published else "",
        formats=[f for f in PAGE_FORMATS if f is not HTML],
        meta={"description": shorten(t("changes_intro")), "url": canonical(request.path)},
    )


def _answer(store: Store, forced: Format | None = None) -> Response:
    fmt = choose_format(PAGE_FORMATS, forced)
    if fmt is HTML:
        response = Response(_page(store), mimetype="text/html")
    else:
        response = rdf_response(changes_rdf(store), fmt, vary=False)
    response.vary.add("Accept")
    return response


def _absolute(iri: str) -> str:
    """The public URL of ``iri`` ("" for none; an IRI of another site stays as it is)."""
    link = href(iri) if iri else ""
    return absolute(link) if link.startswith("/") else link


def _feed(store: Store) -> Response:
    lang = current_lang()
    found = changes(store)
    published = editions(store)
    years = {c.year for c in found} or {published[-1][0] if published else 0}
    stamps = {year: atom.updated(store, year or None) for year in years}
    source = attribution(store)
    text = atom.FeedText(
        title=f"{t('changes_title')} | {t('site')}",
        subtitle=t("changes_intro"),
        author=source.publisher.get(lang) or source.publisher.get("ja", ""),
        lang=lang,
        self_url=public_url("changes.feed"),
        page_url=public_url("changes.page"),
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
    response = Response(body, content_type=f"{atom.MEDIA_TYPE}; charset=utf-8")
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    return response


def create_changes_blueprint(store: Store) -> Blueprint:
    """``/changes``, ``/changes.<ext>`` and ``/changes.atom`` over ``store``."""
    bp = Blueprint("changes", __name__)

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
