"""Pages for people: the landing page and the three ways to browse the plan."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from markupsafe import Markup
from rdflib import Graph, Literal

from converter.contract import Manifest
from converter.vocab import DX, sparql_prefixes
from server.stores.base import Store
from server.web import browse, dataset_markup, markup
from server.web.catalog import catalog_graph
from server.web.i18n import current_lang, t
from server.web.labels import Labeller

LICENCE_URL = "https://www.digital.go.jp/resources/open_data/public_data_license_v1.0"
COUNTED = (
    ("projects", DX.Project),
    ("kpis", DX.Kpi),
    ("values", DX.KpiValue),
    ("listings", DX.Listing),
    ("departments", DX.Department),
    ("divisions", DX.Division),
)


def counts(store: Store) -> dict[str, int]:
    """Instances per class and triples over all named graphs."""
    values = " ".join(f"<{cls}>" for _, cls in COUNTED)
    rows = store.select(
        f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ VALUES ?c {{ {values} }} "
        f"?s a ?c }} GROUP BY ?c"
    )
    by_class = {str(r["c"]): int(str(r["n"])) for r in rows if isinstance(r.get("n"), Literal)}
    result = {name: by_class.get(str(cls), 0) for name, cls in COUNTED}
    triples = store.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    result["triples"] = int(str(triples[0]["n"])) if triples and "n" in triples[0] else 0
    return result


def editions(store: Store, labeller: Labeller) -> list[dict[str, str]]:
    """The source reports (editions) with their titles."""
    rows = store.select(
        sparql_prefixes()
        + """
        SELECT DISTINCT ?report ?title WHERE {
          ?report a dx:Report OPTIONAL { ?report dct:title ?title } }
        ORDER BY ?report"""
    )
    labeller.load([r["report"] for r in rows])
    return [
        {"iri": str(r["report"]), "label": labeller(r["report"]), "title": str(r.get("title", ""))}
        for r in rows
    ]


def dataset_text(store: Store, lang: str) -> dict[str, str]:
    """Title and description of the dataset the catalog lists (not one of its editions,
    docs/editions.md), in ``lang`` if it has one."""
    rows = store.select(
        sparql_prefixes()
        + """
        SELECT ?title ?description WHERE { ?catalog dcat:dataset ?d . ?d dct:title ?title
          OPTIONAL { ?d dct:description ?description } }"""
    )
    chosen: dict[str, str] = {}
    for key in ("title", "description"):
        found = [r[key] for r in rows if key in r]
        preferred = [x for x in found if isinstance(x, Literal) and x.language == lang]
        if preferred or found:
            chosen[key] = str((preferred or found)[0])
    return chosen


def create_pages_blueprint(store: Store, manifest: Manifest | None) -> Blueprint:
    """``/``, ``/plan``, ``/projects`` and ``/kpis`` over ``store``; ``manifest`` lists the
    downloads on the landing page and in its schema.org ``Dataset``."""
    bp = Blueprint("pages", __name__)
    files = sorted(manifest.files, key=lambda f: f.name) if manifest else []

    @bp.app_template_global("schema_dataset")
    def schema_dataset(catalog: Graph | None = None) -> Markup:
        """The ``Dataset`` JSON-LD block of ``catalog`` (read from the store when not given);
        the catalog page's template calls it with the graph it shows."""
        graph = catalog if catalog is not None else catalog_graph(store)
        return markup.script(dataset_markup.dataset(graph, files, store, LICENCE_URL))

    @bp.get("/")
    def landing() -> str:
        lang = current_lang()
        labeller = Labeller(store, lang)
        dataset = dataset_text(store, lang)
        return render_template(
            "landing.html",
            counts=counts(store),
            editions=editions(store, labeller),
            dataset=dataset,
            licence_url=LICENCE_URL,
            files=files,
            meta=meta(dataset.get("description") or t("intro"), dataset.get("title") or t("site")),
            jsonld=schema_dataset(),
        )

    @bp.get("/plan")
    def plan() -> str:
        return render_template(
            "plan.html",
            tree=browse.plan_tree(store, Labeller(store, current_lang())),
            meta=meta(t("plan_intro")),
        )

    @bp.get("/projects")
    def projects() -> str:
        orgs = browse.projects_by_org(store, Labeller(store, current_lang()))
        return render_template("projects.html", orgs=orgs, meta=meta(t("projects_intro")))

    @bp.get("/kpis")
    def kpis() -> str:
        return _kpis_page(store)

    return bp


def meta(description: str, title: str = "") -> dict[str, str]:
    """The page's ``<meta name="description">`` and OpenGraph values."""
    return {
        "title": title,
        "description": markup.shorten(description),
        "url": markup.canonical(request.path),
    }


def _kpis_page(store: Store) -> str:
    labeller = Labeller(store, current_lang())
    table, columns = browse.kpi_table(store, labeller)
    actuals = [c for c in columns if c.startswith("Actual")]
    return render_template(
        "kpis.html",
        kpis=table,
        columns=columns,
        headers={c: _column_label(c) for c in columns},
        last_actual=actuals[-1] if actuals else "",
        meta=meta(t("kpis_intro")),
    )


def _column_label(column: str) -> tuple[str, str]:
    """``("目標値", "令和5年度")`` for the column ``Target|令和5年度``."""
    kind, _, period = column.partition("|")
    return t(kind.lower()), period
