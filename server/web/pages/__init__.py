"""Pages for people: the landing page and the three ways to browse the plan.

Each page asks the store once: its queries, labels included, are the sub-selects of one
query (server/web/common/batch.py).
"""

from __future__ import annotations

from flask import Blueprint, render_template
from rdflib import Literal

from converter.vocab import DX
from server.web import schemaorg
from server.web.common.batch import Row, select_parts
from server.web.common.context import Context
from server.web.common.i18n import current_lang, t
from server.web.common.labels import Labeller, label_rows, labels_of
from server.web.common.publication import LICENCE_URL, catalog_graph_iri
from server.web.common.urls import page_meta
from server.web.pages import queries
from server.web.pages.openapi import OPERATIONS
from server.web.schemaorg import dataset as dataset_markup

__all__ = ["OPERATIONS", "create_blueprint"]

COUNTED = (
    ("projects", DX.Project),
    ("kpis", DX.Kpi),
    ("values", DX.KpiValue),
    ("listings", DX.Listing),
    ("departments", DX.Department),
    ("divisions", DX.Division),
)


def landing_parts() -> dict[str, str]:
    """The landing page's sub-selects: counts, editions, the dataset and its markup."""
    classes = " ".join(f"<{cls}>" for _, cls in COUNTED)
    return {
        "counts": f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ VALUES ?c {{ {classes} }} "
        f"?s a ?c }} GROUP BY ?c",
        "triples": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
        # The source reports (editions) with their titles.
        "editions": """
        SELECT DISTINCT ?report ?title WHERE {
          ?report a dx:Report OPTIONAL { ?report dct:title ?title } }""",
        # Title and description of the dataset the catalog lists (not one of its editions,
        # docs/editions.md).
        "dataset": """
        SELECT ?title ?description WHERE { ?catalog dcat:dataset ?d . ?d dct:title ?title
          OPTIONAL { ?d dct:description ?description } }""",
        "labels": labels_of("?s a dx:Report"),
        **dataset_markup.parts(catalog_graph_iri()),
    }


def class_counts(parts: dict[str, list[Row]]) -> dict[str, int]:
    """Instances per class and triples over all named graphs."""
    rows = parts["counts"]
    by_class = {str(r["c"]): int(str(r["n"])) for r in rows if isinstance(r.get("n"), Literal)}
    result = {name: by_class.get(str(cls), 0) for name, cls in COUNTED}
    triples = parts["triples"]
    result["triples"] = int(str(triples[0]["n"])) if triples and "n" in triples[0] else 0
    return result


def report_titles(parts: dict[str, list[Row]], labeller: Labeller) -> list[dict[str, str]]:
    """The source reports (editions) with their titles, by IRI."""
    rows = sorted(parts["editions"], key=lambda r: str(r["report"]))
    return [
        {"iri": str(r["report"]), "label": labeller(r["report"]), "title": str(r.get("title", ""))}
        for r in rows
    ]


def dataset_text(parts: dict[str, list[Row]], lang: str) -> dict[str, str]:
    """The dataset's title and description in ``lang`` if it has one."""
    rows = parts["dataset"]
    chosen: dict[str, str] = {}
    for key in ("title", "description"):
        found = [r[key] for r in rows if key in r]
        preferred = [x for x in found if isinstance(x, Literal) and x.language == lang]
        if preferred or found:
            chosen[key] = str((preferred or found)[0])
    return chosen


def create_blueprint(context: Context) -> Blueprint:
    """``/``, ``/plan``, ``/projects`` and ``/kpis``; the build's manifest lists the downloads
    on the landing page and in its schema.org ``Dataset``."""
    store, manifest = context.store, context.manifest
    bp = Blueprint("pages", __name__, template_folder="templates")
    files = sorted(manifest.files, key=lambda f: f.name) if manifest else []

    @bp.get("/")
    def landing() -> str:
        lang = current_lang()
        parts = select_parts(store, landing_parts())
        labeller = Labeller(store, lang)
        labeller.know(label_rows(parts["labels"]))
        dataset = dataset_text(parts, lang)
        markup = dataset_markup.dataset(
            dataset_markup.catalog_of(parts["catalog"]), files, parts, LICENCE_URL
        )
        return render_template(
            "pages/landing.html",
            counts=class_counts(parts),
            editions=report_titles(parts, labeller),
            dataset=dataset,
            licence_url=LICENCE_URL,
            files=files,
            meta=page_meta(
                dataset.get("description") or t("intro"), dataset.get("title") or t("site")
            ),
            jsonld=schemaorg.script(markup),
        )

    @bp.get("/plan")
    def plan() -> str:
        parts = select_parts(store, queries.PLAN)
        tree = queries.plan_tree(parts, Labeller(store, current_lang()))
        return render_template("pages/plan.html", tree=tree, meta=page_meta(t("plan_intro")))

    @bp.get("/projects")
    def projects() -> str:
        parts = select_parts(store, queries.PROJECTS)
        orgs = queries.projects_by_org(parts, Labeller(store, current_lang()))
        return render_template(
            "pages/projects.html", orgs=orgs, meta=page_meta(t("projects_intro"))
        )

    @bp.get("/kpis")
    def kpis() -> str:
        parts = select_parts(store, queries.KPIS)
        table, columns = queries.kpi_table(parts, Labeller(store, current_lang()))
        actuals = [c for c in columns if c.startswith("Actual")]
        return render_template(
            "pages/kpis.html",
            kpis=table,
            columns=columns,
            headers={c: _column_label(c) for c in columns},
            last_actual=actuals[-1] if actuals else "",
            meta=page_meta(t("kpis_intro")),
        )

    return bp


def _column_label(column: str) -> tuple[str, str]:
    """``("目標値", "令和5年度")`` for the column ``Target|令和5年度``."""
    kind, _, period = column.partition("|")
    return t(kind.lower()), period
