"""``/dashboard``: every KPI's progress over the editions, its data, and charts to embed.

- ``/dashboard``: the achievement summary (per plan field, item and department) and one small
  chart per KPI, filtered and sorted by query parameters (no JavaScript);
- ``/dashboard.csv``, ``/dashboard.json``: the data of the KPIs shown (same filters);
- ``/dashboard/kpi/<n>.csv``, ``.json``, ``.svg``: one KPI's data and chart (``<img>``);
- ``/dashboard/kpi/<n>/embed``: the chart as a small page other sites may frame.

Every number comes from the store (:mod:`server.web.series`), as ``/sparql`` sees it.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request
from rdflib import URIRef

from converter.vocab import DX
from converter.xmltext import replaced
from server.errors import ApiError
from server.stores.base import Store
from server.web import dashboard_data as data
from server.web.attribution import attribution
from server.web.chart import SMALL
from server.web.dashboard_view import (
    Filters,
    Tally,
    card,
    department_tallies,
    order,
    plan_tallies,
    to_load,
)
from server.web.i18n import current_lang, t
from server.web.labels import Labeller
from server.web.linking import public_url
from server.web.markup import canonical, shorten
from server.web.progress import EVALUATION_KEYS, counts, edition_name, reiwa
from server.web.series import KpiSeries, editions, kpi_series
from server.web.series_chart import series_chart

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
    labeller.load([DX[key] for key in keys])  # also those no KPI has (the ontology names them)
    found = {key: labeller(DX[key]) for key in keys}
    return found | {"none": t("not_evaluated", labeller.lang)}


def _names(store: Store, kpis: list[KpiSeries]) -> dict[str, dict[str, str]]:
    """Each KPI's label in Japanese and English."""
    iris = [URIRef(k.iri) for k in kpis]
    found: dict[str, dict[str, str]] = {k.iri: {} for k in kpis}
    for lang in ("ja", "en"):
        labeller = Labeller(store, lang)
        labeller.load(iris)
        for kpi in kpis:
            found[kpi.iri][lang] = labeller(kpi.iri)
    return found


def _one(store: Store, number: int) -> KpiSeries:
    """:raises ApiError: (404) no KPI has that number."""
    found = [k for k in kpi_series(store) if k.number == number]
    if not found:
        raise ApiError(404, f"KPI {number} はありません / no KPI {number}")
    return found[0]


def _page(store: Store) -> str:
    lang = current_lang()
    labeller = Labeller(store, lang)
    kpis = kpi_series(store)
    labeller.load(to_load(kpis))
    filters = Filters.read(request.args)
    shown = order([k for k in kpis if filters.keep(k)], filters.sort)
    plan, departments = plan_tallies(kpis, labeller), department_tallies(kpis, labeller)
    evaluations = evaluation_labels(labeller)
    return render_template(
        "dashboard.html",
        filters=filters,
        cards=[card(k, labeller) for k in shown],
        total=len(kpis),
        overall=counts(kpis),
        plan=plan,
        departments=departments,
        options=_options(plan, departments, evaluations),
        evaluations=evaluations,
        attribution=attribution(store),
        method=data.METHOD,
        editions=[edition_name(year, lang) for year, _ in editions(store)],
        meta={"description": shorten(t("dashboard_intro")), "url": canonical(request.path)},
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
    kpi = _one(store, number)
    labeller = Labeller(store, current_lang())
    labeller.load(to_load([kpi]))
    body = render_template(
        "dashboard_embed.html",
        card=card(kpi, labeller),
        evaluations=evaluation_labels(labeller),
        attribution=attribution(store),
    )
    response = Response(body, mimetype="text/html")
    response.headers["Content-Security-Policy"] = EMBED_CSP
    return response


def _svg(store: Store, number: int) -> Response:
    kpi = _one(store, number)
    lang = current_lang()
    labeller = Labeller(store, lang)
    labeller.load([URIRef(kpi.iri)])
    chart = series_chart(kpi, labeller.text(kpi.iri), lang, layout=SMALL, standalone=True)
    if not chart:
        raise ApiError(404, f"KPI {number} には数値がありません / KPI {number} has no number")
    # A picture for people: a character XML cannot carry becomes U+FFFD (converter/xmltext.py).
    body = replaced(('<?xml version="1.0" encoding="utf-8"?>\n' + str(chart)).encode())
    response = Response(body, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = SVG_CSP
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    return response


def _csv(kpis: list[KpiSeries], names: dict[str, dict[str, str]], name: str) -> Response:
    ja = {iri: n.get("ja", "") for iri, n in names.items()}
    response = Response(data.csv_text(data.csv_rows(kpis, ja)), content_type=CSV_TYPE)
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return response


def create_dashboard_blueprint(store: Store) -> Blueprint:
    """The dashboard's page, data and charts over ``store``."""
    bp = Blueprint("dashboard", __name__)

    @bp.app_template_global("reiwa")
    def short_year(year: int) -> str:
        """``R5`` (ja) or ``FY2023`` (en) in templates."""
        return reiwa(year, current_lang())

    @bp.get("/dashboard")
    def page() -> str:
        return _page(store)

    @bp.get("/dashboard.csv")
    def all_csv() -> Response:
        kpis = [k for k in kpi_series(store) if Filters.read(request.args).keep(k)]
        return _csv(kpis, _names(store, kpis), "dashboard.csv")

    @bp.get("/dashboard.json")
    def all_json() -> Response:
        kpis = [k for k in kpi_series(store) if Filters.read(request.args).keep(k)]
        body = data.dashboard_json(kpis, _names(store, kpis), attribution(store), editions(store))
        return jsonify(body)

    @bp.get("/dashboard/kpi/<int:number>.csv")
    def kpi_csv(number: int) -> Response:
        kpi = _one(store, number)
        return _csv([kpi], _names(store, [kpi]), f"kpi-{number}.csv")

    @bp.get("/dashboard/kpi/<int:number>.json")
    def kpi_json(number: int) -> Response:
        kpi = _one(store, number)
        body = data.kpi_json(kpi, _names(store, [kpi])) | data.source_json(attribution(store))
        body["page"] = public_url("resources.resource", rest=f"kpi/{number}")
        return jsonify(body)

    @bp.get("/dashboard/kpi/<int:number>.svg")
    def kpi_svg(number: int) -> Response:
        return _svg(store, number)

    @bp.get("/dashboard/kpi/<int:number>/embed")
    def kpi_embed(number: int) -> Response:
        return _embed(store, number)

    return bp
