"""The search index's documents, read from the store: every project and every KPI.

A project's texts are its own and its printed rows' (name, summary, goal, status); its
facets are its departments, the plan items (項目) above its measures and the evaluations of
its KPIs in its edition. A KPI's text is its name; its facets come from its series.
"""

from __future__ import annotations

from rdflib import Literal
from rdflib.term import Node

from server.stores.base import Store
from server.web.common.batch import Row, select_parts
from server.web.common.labels import labels_of, one_of
from server.web.common.naming import key_of
from server.web.common.publication import year_of
from server.web.kpis import series_from, series_parts
from server.web.search.index import Document

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


PARTS = {
    "project_texts": """
        SELECT DISTINCT ?p ?num ?report ?prop ?text WHERE {
          ?p a dx:Project OPTIONAL { ?p dx:projectNumber ?num } OPTIONAL { ?p dx:edition ?report }
          OPTIONAL { VALUES ?prop { schema:name schema:description dx:goal dx:status }
                     { ?p ?prop ?text } UNION { ?p dx:listing ?l . ?l ?prop ?text } } }""",
    "project_facets": """
        SELECT DISTINCT ?p ?facet ?value WHERE { ?p a dx:Project .
          { ?p dx:department ?value BIND("department" AS ?facet) }
          UNION { ?p dx:edition ?value BIND("edition" AS ?facet) }
          UNION { ?p dx:planItem/skos:broader* ?value . ?value a dx:Item BIND("item" AS ?facet) }
          UNION { ?p dx:kpi ?k ; dx:edition ?r . ?v dx:refKpi ?k ; dx:evaluation ?value .
                  { ?v dx:edition ?r } UNION { ?v qb:dataSet/dx:edition ?r }
                  BIND("evaluation" AS ?facet) } }""",
    "kpi_names": "SELECT ?k ?name WHERE { ?k a dx:Kpi ; schema:name ?name }",
    # The names of every facet value: departments, plan items, evaluations.
    "labels": labels_of(
        "{ ?x a dx:Project ; dx:department ?s } UNION { ?s a dx:Item } "
        "UNION { ?k a dx:Kpi ; dx:carriedBy/dx:department ?s } "
        f"UNION {one_of('dx:Achieved', 'dx:PartiallyAchieved', 'dx:NotAchieved')}"
    ),
    **series_parts(),
}


def _project_texts(rows: list[Row]) -> dict[str, Document]:
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


def _project_facets(rows: list[Row], documents: dict[str, Document], iris: FacetIris) -> None:
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


def _kpi_documents(parts: dict[str, list[Row]], iris: FacetIris) -> list[Document]:
    names = parts["kpi_names"]
    by_kpi: dict[str, str] = {}
    for row in names:
        by_kpi.setdefault(str(row["k"]), str(row["name"]))
    documents = []
    for kpi in series_from(parts):
        doc = Document(kpi.iri, "kpi", kpi.number, 0, {"name": by_kpi.get(kpi.iri, "")})
        for dept in kpi.departments:
            _add_facet(doc, "department", dept, iris)
        if kpi.item:
            _add_facet(doc, "item", kpi.item, iris)
        if kpi.evaluation:
            _add_facet(doc, "evaluation", kpi.evaluation, iris)
        documents.append(doc)
    return documents


def documents(store: Store) -> tuple[list[Document], FacetIris, list[Row]]:
    """Every project and KPI, the IRI behind each facet key and the facets' labels (``?s ?p
    ?l`` rows), from one query."""
    parts = select_parts(store, PARTS)
    iris: FacetIris = {}
    projects = _project_texts(parts["project_texts"])
    _project_facets(parts["project_facets"], projects, iris)
    kpis = _kpi_documents(parts, iris)
    return [*projects.values(), *kpis], iris, parts["labels"]
