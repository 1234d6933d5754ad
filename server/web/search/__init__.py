"""``/search?q=…`` (page) and ``/search.json?q=…``: projects and KPIs by their words.

Facets (department, plan item, evaluation) narrow the results by query parameters, as links,
so the page needs no JavaScript. The index (:mod:`server.web.search.index`) is built from
the store once per process: at start when the app is not under test, else at first use;
over a remote store, whose data may change, it is rebuilt after :data:`REFRESH` seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from flask import Blueprint, Response, jsonify, render_template, request
from flask.blueprints import BlueprintSetupState

from converter.era import edition_label
from server.errors import StoreError
from server.stores.base import Store
from server.web.common.batch import Row
from server.web.common.context import Context
from server.web.common.i18n import current_lang, t
from server.web.common.labels import Labeller, label_rows
from server.web.common.publication import year_of
from server.web.common.urls import href, page_meta, this_page
from server.web.search.documents import FACETS, FacetIris, documents
from server.web.search.index import Hit, SearchIndex, facet_counts
from server.web.search.openapi import OPERATIONS

__all__ = ["OPERATIONS", "create_blueprint"]

log = logging.getLogger(__name__)
REFRESH = 300.0  #: seconds an index is kept over a store that cannot tell its data's digest
MAX_QUERY = 200  #: characters of ``q`` read


@dataclass(frozen=True)
class Built:
    index: SearchIndex
    iris: FacetIris
    labels: list[Row]
    version: str | None  #: the data's digest it was built from
    at: float  #: time.monotonic() when it was built


class SearchService:
    """The process's index over ``store``, built once per data digest (thread-safe): again
    after a publish, and every :data:`REFRESH` seconds over a store that cannot tell."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._built: Built | None = None

    def _stale(self, version: str | None) -> bool:
        built = self._built
        if built is None or built.version != version:
            return True
        return version is None and time.monotonic() - built.at > REFRESH

    def index(self) -> tuple[SearchIndex, FacetIris, list[Row]]:
        """The index, the IRI behind each facet key and the facets' labels (a search asks
        the store nothing once the index is built).

        :raises StoreError: the store cannot be read.
        """
        with self._lock:
            version = self.store.data_version()
            if self._stale(version):
                found, iris, labels = documents(self.store)
                self._built = Built(SearchIndex(found), iris, labels, version, time.monotonic())
            built = self._built
            assert built is not None
            return built.index, built.iris, built.labels

    def warm(self) -> None:
        """Build now; a store that is down only postpones it to the first search."""
        try:
            self.index()
        except StoreError as exc:
            reason = exc.detail or exc.message  # the log may name the store; clients never
            log.warning("search index not built at start (%s); building at first search", reason)


@dataclass(frozen=True)
class FacetValue:
    key: str
    label: str
    count: int
    url: str  #: this search narrowed to the value
    original: str = ""  #: the Japanese name beside an English label (English pages)


@dataclass(frozen=True)
class Facet:
    name: str  #: department | item | evaluation
    param: str  #: its query parameter
    values: list[FacetValue]
    chosen: str
    clear_url: str  #: this search without this facet


def _chosen() -> dict[str, str]:
    return {f: request.args[param] for f, param in FACETS.items() if request.args.get(param)}


def _with(param: str, value: str) -> str:
    """This page's URL with ``param`` set to ``value`` ("" removes it)."""
    # The language is not repeated: the lang cookie keeps it.
    return this_page(lang="", **{param: value})


def _facet(name: str, hits: list[Hit], iris: dict[str, str], labeller: Labeller) -> Facet:
    param = FACETS[name]
    values = [
        FacetValue(
            key,
            _facet_label(name, key, iris, labeller),
            n,
            _with(param, key),
            "" if name == "edition" else labeller.original(iris.get(key, key)),
        )
        for key, n in facet_counts(hits, name).items()
    ]
    return Facet(name, param, values, request.args.get(param, ""), _with(param, ""))


def _facet_label(name: str, key: str, iris: dict[str, str], labeller: Labeller) -> str:
    """A plan item with its code, as the plan prints it ("I-3 公務能率の向上に向けた取組");
    an edition by its year ("令和5年度版")."""
    if name == "edition":
        return edition_label(year_of(key), labeller.lang)
    label = labeller(iris.get(key, key))
    return f"{key} {label}" if name == "item" else label


def _facets(hits: list[Hit], iris: FacetIris, labeller: Labeller) -> list[Facet]:
    return [_facet(name, hits, iris.get(name, {}), labeller) for name in FACETS]


def _answer(service: SearchService) -> tuple[str, list[Hit], list[Facet], Labeller]:
    query = request.args.get("q", "")[:MAX_QUERY].strip()
    index, iris, labels = service.index()
    hits = index.search(query, _chosen()) if query else []
    labeller = Labeller(service.store, current_lang())
    labeller.know(label_rows(labels))
    return query, hits, _facets(hits, iris, labeller), labeller


def _result(hit: Hit) -> dict[str, object]:
    doc = hit.document
    return {
        "iri": doc.iri,
        "url": href(doc.iri),
        "kind": doc.kind,
        "number": doc.number,
        "edition": doc.edition or None,
        "name": doc.name,
        "field": hit.field,
        "snippet": "".join(text for text, _ in hit.snippet),
        "matches": [text for text, marked in hit.snippet if marked],
        "score": hit.score,
    }


def create_blueprint(context: Context) -> Blueprint:
    """``/search`` and ``/search.json`` over an index of the store."""
    store = context.store
    bp = Blueprint("search", __name__, template_folder="templates")
    service = SearchService(store)

    @bp.record_once
    def _warm(state: BlueprintSetupState) -> None:
        if not state.app.testing:  # tests build it at first use: most never search
            service.warm()

    @bp.get("/search")
    def page() -> str:
        query, hits, facets, labeller = _answer(service)
        return render_template(
            "search/search.html",
            query=query,
            hits=hits,
            facets=facets,
            meta=page_meta(t("search_intro")),
        )

    @bp.get("/search.json")
    def as_json() -> Response:
        query, hits, facets, labeller = _answer(service)
        return jsonify(
            {
                "query": query,
                "count": len(hits),
                "results": [_result(h) for h in hits],
                "facets": {
                    f.name: [{"key": v.key, "label": v.label, "count": v.count} for v in f.values]
                    for f in facets
                },
            }
        )

    return bp
