"""The search index's documents, read from the store: every project and every KPI.

A project's texts are its own and its printed rows' (name, summary, goal, status); its
facets are its departments, the plan items (項目) above its measures and the evaluations of
its KPIs in its edition. A KPI's text is its name; its facets come from its series.
"""

from __future__ import annotations

from rdflib import Literal
from rdflib.term import Node

from converter.vocab import sparql_prefixes
from server.stores.base import Store
from server.web.dashboard_view import key_of
from server.web.search_index import Document
from server.web.series import kpi_series, year_of

#: Text property → the document field it fills.
FIELDS = {
    "http://schema.org/name": "name",
    "http://schema.org/description": "description",
    "https://data.pref.fukushima.lg.jp/dx/ontology#goal": "goal",
    "https://data.pref.fukushima.lg.jp/dx/ontology#status": "status",
}
#: Facet → the query parameter naming its values and its dashboard grouping.
FACETS = {"department": "dept", "item": "item", "evaluation": "eval", "edition": "edition"}

FacetIris = dict[str, dict[str, str]]  # facet → key → IRI


def _number(node: Node | None) -> int:
    return int(node.toPython()) if isinstance(node, Literal) and str(node).isdigit() else 0


def _project_texts(store: Store) -> dict[str, Document]:
    rows = store.select(
        sparql_prefixes()
        + """
        SELECT DISTINCT ?p ?num ?report ?prop ?text WHERE {
          ?p a dx:Project OPTIONAL { ?p dx:projectNumber ?num } OPTIONAL { ?p dx:edition ?report }
          OPTIONAL { VALUES ?prop { schema:name schema:description dx:goal dx:status }
                     { ?p ?prop ?text } UNION { ?p dx:listing ?l . ?l ?prop ?text } } }"""
    )
    documents: dict[str, Document] = {}
    for row in rows:
        iri = str(row["p"])
        doc = documents.setdefault(
            iri,
            Document(iri, "project", _number(row.get("num")), year_of(row.get("report")), {}),
        )
        name = FIELDS.get(str(row.get("prop", "")))
        text = str(row.get("text", "")).strip()
        if name and text and text not in doc.fields.get(name, ""):
            doc.fields[name] = f"{doc.fields[name]}\n{text}" if name in doc.fields else text
    return documents


def _project_facets(store: Store, documents: dict[str, Document], iris: FacetIris) -> None:
    rows = store.select(
        sparql_prefixes()
        + """
        SELECT DISTINCT ?p ?facet ?value WHERE { ?p a dx:Project .
          { ?p dx:department ?value BIND("department" AS ?facet) }
          UNION { ?p dx:edition ?value BIND("edition" AS ?facet) }
          UNION { ?p dx:planItem/skos:broader* ?value . ?value a dx:Item BIND("item" AS ?facet) }
          UNION { ?p dx:kpi ?k ; dx:edition ?r . ?v dx:refKpi ?k ; dx:evaluation ?value .
                  { ?v dx:edition ?r } UNION { ?v qb:dataSet/dx:edition ?r }
                  BIND("evaluation" AS ?facet) } }"""
    )
    for row in rows:
        doc = documents.get(str(row["p"]))
        if doc is not None:
            _add_facet(doc, str(row["facet"]), str(row["value"]), iris)


def _add_facet(doc: Document, facet: str, iri: str, iris: FacetIris) -> None:
    key = f"fy{year_of(iri)}" if facet == "edition" else key_of(FACETS[facet], iri)
    iris.setdefault(facet, {})[key] = iri
    values = doc.facets.setdefault(facet, [])
    if key not in values:
        values.append(key)


def _kpi_documents(store: Store, iris: FacetIris) -> list[Document]:
    names = store.select(
        sparql_prefixes() + "SELECT ?k ?name WHERE { ?k a dx:Kpi ; schema:name ?name }"
    )
    by_kpi: dict[str, str] = {}
    for row in names:
        by_kpi.setdefault(str(row["k"]), str(row["name"]))
    documents = []
    for kpi in kpi_series(store):
        doc = Document(kpi.iri, "kpi", kpi.number, 0, {"name": by_kpi.get(kpi.iri, "")})
        for dept in kpi.departments:
            _add_facet(doc, "department", dept, iris)
        if kpi.item:
            _add_facet(doc, "item", kpi.item, iris)
        if kpi.evaluation:
            _add_facet(doc, "evaluation", kpi.evaluation, iris)
        documents.append(doc)
    return documents


def documents(store: Store) -> tuple[list[Document], FacetIris]:
    """Every project and KPI, and the IRI behind each facet key."""
    iris: FacetIris = {}
    projects = _project_texts(store)
    _project_facets(store, projects, iris)
    kpis = _kpi_documents(store, iris)
    return [*projects.values(), *kpis], iris
