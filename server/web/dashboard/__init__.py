"""``/dashboard``: every KPI's progress over the editions, its data, and charts to embed.

- ``/dashboard``: the achievement summary (per plan field, item and department) and one small
  chart per KPI, filtered and sorted by query parameters (no JavaScript);
- ``/dashboard.csv``, ``/dashboard.json``: the data of the KPIs shown (same filters);
- ``/dashboard/kpi/<n>.csv``, ``.json``, ``.svg``: one KPI's data and chart (``<img>``);
- ``/dashboard/kpi/<n>/embed``: the chart as a small page other sites may frame.

Every number comes from the store (:mod:`server.web.kpis`), as ``/sparql`` sees it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import Blueprint, Response, jsonify, render_template, request

from converter.era import edition_label
from converter.vocab import DX
from converter.xmltext import replaced
from server.errors import ApiError
from server.stores.base import Store
from server.web.common.batch import Row, select_parts
from server.web.common.chart import SMALL
from server.web.common.context import Context
from server.web.common.i18n import current_lang, t
from server.web.common.labels import Labeller, label_rows, labels_of, one_of
from server.web.common.publication import (
    EDITIONS,
    Attribution,
    attribution_of,
    attribution_parts,
    editions_of,
)
from server.web.common.urls import page_meta, urls
from server.web.dashboard import data
from server.web.dashboard.openapi import OPERATIONS
from server.web.dashboard.view import (
    Filters,
    Tally,
    card,
    department_tallies,
    order,
    plan_tallies,
)
from server.web.kpis import KpiSeries, series_from, series_parts
from server.web.kpis.chart import series_chart
from server.web.kpis.progress import EVALUATION_KEYS, evaluation_counts

__all__ = ["OPERATIONS", "create_blueprint"]

#: The embed view alone may be framed by any site (the rest of the site: frame-ancestors
#: 'none'); it runs no script and loads only our stylesheet.
EMBED_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors *; form-action 'none'"
)
#: An SVG opened on its own is a document: it may use its own <style> and nothing else.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors *"
CSV_TYPE = "text/csv; charset=utf-8; header=present"
#: The evaluations in the order a reader lists them (achieved first).
SHOWN_EVALUATIONS = ("Achieved", "PartiallyAchieved", "NotAchieved", "none")


def evaluation_labels(labeller: Labeller) -> dict[str, str]:
    """``{"Achieved": "達成", …, "none": "評価なし"}`` in the page language."""
    keys = [key for key in EVALUATION_KEYS if key != "none"]
    found = {key: labeller(DX[key]) for key in keys}
    return found | {"none": t("not_evaluated", labeller.lang)}


#: Every term the dashboard names: KPIs, plan items, departments, the evaluations (also those
#: no KPI has: the ontology names them).
LABELS = labels_of(
    "{ ?s a dx:Kpi } UNION { VALUES ?type { dx:Field dx:Item dx:Measure } ?s a ?type } "
    "UNION { ?k a dx:Kpi ; dx:carriedBy/dx:department ?s } "
    f"UNION {one_of('dx:Achieved', 'dx:PartiallyAchieved', 'dx:NotAchieved')}"
)


@dataclass(frozen=True)
class Dashboard:
    """What every dashboard view reads, from one query."""

    kpis: list[KpiSeries]
    labels: Mapping[str, list[Row]]
    attribution: Attribution
    editions: list[tuple[int, str]]

    @classmethod
    def read(cls, store: Store) -> Dashboard:
        parts = select_parts(
            store, {**series_parts(), **attribution_parts(), **EDITIONS, "labels": LABELS}
        )
        return cls(series_from(parts), parts, attribution_of(parts), editions_of(parts))

    def labeller(self, store: Store, lang: str) -> Labeller:
        labeller = Labeller(store, lang)
        labeller.know(label_rows(self.labels["labels"]))
        return labeller

    def names(self, store: Store, kpis: list[KpiSeries]) -> dict[str, dict[str, str]]:
        """Each KPI's label in Japanese and English."""
        by_lang = {lang: self.labeller(store, lang) for lang in ("ja", "en")}
        return {k.iri: {lang: by_lang[lang](k.iri) for lang in by_lang} for k in kpis}

    def one(self, number: int) -> KpiSeries:
        """:raises ApiError: (404) no KPI has that number."""
        found = [k for k in self.kpis if k.number == number]
        if not found:
            raise ApiError(404, f"KPI {number} はありません / no KPI {number}")
        return found[0]

    def shown(self) -> list[KpiSeries]:
        """The KPIs the query's filters keep."""
        filters = Filters.read(request.args)
        return [k for k in self.kpis if filters.keep(k)]


def _page(store: Store) -> str:
    lang = current_lang()
    found = Dashboard.read(store)
    labeller = found.labeller(store, lang)
    kpis = found.kpis
    filters = Filters.read(request.args)
    shown = order([k for k in kpis if filters.keep(k)], filters.sort)
    plan, departments = plan_tallies(kpis, labeller), department_tallies(kpis, labeller)
    evaluations = evaluation_labels(labeller)
    return render_template(
        "dashboard/dashboard.html",
        filters=filters,
        cards=[card(k, labeller) for k in shown],
        total=len(kpis),
        overall=evaluation_counts(kpis),
        plan=plan,
        departments=departments,
        options=_options(plan, departments, evaluations),
        evaluations=evaluations,
        attribution=found.attribution,
        method=data.METHOD,
        editions=[edition_label(year, lang) for year, _ in found.editions],
        meta=page_meta(t("dashboard_intro")),
    )


def _options(
    plan: list[Tally], departments: list[Tally], evaluations: dict[str, str]
) -> dict[str, list[tuple[str, str]]]:
    """The choices of each filter: ``(query value, label)``."""
    return {
        "dept": [(row.key, row.text) for row in departments],
        "field": [(row.key, row.text) for row in plan if row.param == "field"],
        "item": [(row.key, row.text) for row in plan if row.param == "item"],
        "eval": [(key, evaluations[key]) for key in SHOWN_EVALUATIONS],
    }


def _embed(store: Store, number: int) -> Response:
    found = Dashboard.read(store)
    labeller = found.labeller(store, current_lang())
    body = render_template(
        "dashboard/dashboard_embed.html",
        card=card(found.one(number), labeller),
        evaluations=evaluation_labels(labeller),
        attribution=found.attribution,
    )
    response = Response(body, mimetype="text/html")
    response.headers["Content-Security-Policy"] = EMBED_CSP
    return response


def _svg(store: Store, number: int) -> Response:
    found = Dashboard.read(store)
    kpi, lang = found.one(number), current_lang()
    labeller = found.labeller(store, lang)
    chart = series_chart(kpi, labeller.text(kpi.iri), lang, layout=SMALL, standalone=True)
    if not chart:
        raise ApiError(404, f"KPI {number} には数値がありません / KPI {number} has no number")
    # A picture for people: a character XML cannot carry becomes U+FFFD (converter/xmltext.py).
    body = replaced(('<?xml version="1.0" encoding="utf-8"?>\n' + str(chart)).encode())
    response = Response(body, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = SVG_CSP
    return response


def _csv(kpis: list[KpiSeries], names: dict[str, dict[str, str]], name: str) -> Response:
    ja = {iri: n.get("ja", "") for iri, n in names.items()}
    response = Response(data.csv_text(data.csv_rows(kpis, ja)), content_type=CSV_TYPE)
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return response


def create_blueprint(context: Context) -> Blueprint:
    """The dashboard's page, data and charts over the store."""
    store = context.store
    bp = Blueprint("dashboard", __name__, template_folder="templates")

    @bp.get("/dashboard")
    def page() -> str:
        return _page(store)

    @bp.get("/dashboard.csv")
    def all_csv() -> Response:
        found = Dashboard.read(store)
        kpis = found.shown()
        return _csv(kpis, found.names(store, kpis), "dashboard.csv")

    @bp.get("/dashboard.json")
    def all_json() -> Response:
        found = Dashboard.read(store)
        kpis = found.shown()
        names = found.names(store, kpis)
        return jsonify(data.dashboard_json(kpis, names, found.attribution, found.editions))

    @bp.get("/dashboard/kpi/<int:number>.csv")
    def kpi_csv(number: int) -> Response:
        found = Dashboard.read(store)
        kpi = found.one(number)
        return _csv([kpi], found.names(store, [kpi]), f"kpi-{number}.csv")

    @bp.get("/dashboard/kpi/<int:number>.json")
    def kpi_json(number: int) -> Response:
        found = Dashboard.read(store)
        kpi = found.one(number)
        body = data.kpi_json(kpi, found.names(store, [kpi])) | data.source_json(found.attribution)
        body["page"] = urls.public("resource", f"kpi/{number}")
        return jsonify(body)

    @bp.get("/dashboard/kpi/<int:number>.svg")
    def kpi_svg(number: int) -> Response:
        return _svg(store, number)

    @bp.get("/dashboard/kpi/<int:number>/embed")
    def kpi_embed(number: int) -> Response:
        return _embed(store, number)

    return bp
