"""What the publication says of itself, read from the store: its catalog graph, its editions,
and the source line PDL1.0 asks a reuser to show (出典：福島県「…」（URL）), so a chart
embedded elsewhere names exactly what the publication states.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from rdflib import Graph, Literal
from rdflib.term import Node

from converter.queries import named_graph_query
from server.stores.base import Store
from server.web.common.batch import Row, select_parts
from server.web.common.urls import iri_for_path

#: The series every edition belongs to (docs/editions.md), the dataset portals harvest.
DATASET_PATH = "id/dataset/dx-kpi"
LICENCE_URL = "https://www.digital.go.jp/resources/open_data/public_data_license_v1.0"


@dataclass(frozen=True)
class Attribution:
    publisher: dict[str, str]  #: language → name
    title: dict[str, str]  #: language → the dataset's title
    url: str  #: the landing page
    licence: str = LICENCE_URL

    def text(self, lang: str = "ja") -> str:
        """``出典：福島県「…」（https://…）``, or its English form."""
        if lang == "en":
            publisher = self.publisher.get("en") or self.publisher.get("ja", "")
            title = self.title.get("en") or self.title.get("ja", "")
            return f"Source: {publisher}, “{title}” ({self.url})"
        return f"出典：{self.publisher.get('ja', '')}「{self.title.get('ja', '')}」（{self.url}）"

    def as_json(self) -> dict[str, object]:
        return {
            "ja": self.text("ja"),
            "en": self.text("en"),
            "title": self.title,
            "publisher": self.publisher,
            "url": self.url,
            "license": self.licence,
        }


def _by_language(rows: list[dict[str, Node]], key: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for row in rows:
        value = row.get(key)
        if isinstance(value, Literal):
            found.setdefault(value.language or "", str(value))
    return found


def attribution_parts() -> dict[str, str]:
    """The sub-select of the dataset's attribution (for a page's one query)."""
    dataset = iri_for_path(DATASET_PATH)
    return {
        "attribution": f"""
        SELECT ?title ?publisher ?landing ?licence WHERE {{
          OPTIONAL {{ <{dataset}> dct:title ?title }}
          OPTIONAL {{ <{dataset}> dct:publisher/rdfs:label ?publisher }}
          OPTIONAL {{ <{dataset}> dcat:landingPage ?landing }}
          OPTIONAL {{ <{dataset}> dct:license ?licence }} }}"""
    }


def attribution_of(parts: Mapping[str, list[Row]]) -> Attribution:
    """The dataset's attribution (the base IRI as landing page when the catalog has none)."""
    rows = parts["attribution"]
    landing = next((str(r["landing"]) for r in rows if r.get("landing")), iri_for_path(""))
    licence = next((str(r["licence"]) for r in rows if r.get("licence")), LICENCE_URL)
    publisher = _by_language(rows, "publisher") or {"ja": "福島県", "en": "Fukushima Prefecture"}
    return Attribution(publisher, _by_language(rows, "title"), landing, licence)


def attribution(store: Store) -> Attribution:
    """:func:`attribution_of`, asked on its own."""
    return attribution_of(select_parts(store, attribution_parts()))


def named_graph(store: Store, graph_iri: str) -> Graph:
    """The triples of one named graph (empty when the store has no such graph)."""
    return store.construct(named_graph_query(graph_iri))


def catalog_graph_iri() -> str:
    """``B graph/catalog``: the graph the build writes its DCAT catalog in."""
    return iri_for_path("graph/catalog")


def catalog_graph(store: Store) -> Graph:
    """The catalog named graph (empty when the build wrote none)."""
    return named_graph(store, catalog_graph_iri())


_YEAR = re.compile(r"(?:fiscal-year/|fy)(\d{4})$")


def year_of(node: Node | str | None) -> int:
    """``2023`` for ``B id/fiscal-year/2023`` or ``B id/report/fy2023``; 0 otherwise."""
    found = _YEAR.search(str(node or ""))
    return int(found.group(1)) if found else 0


#: The sub-select of the editions (the reports) and their fiscal years.
EDITIONS = {
    "editions": "SELECT ?report ?fy WHERE { ?report a dx:Report "
    "OPTIONAL { ?report dx:fiscalYear ?fy } }"
}


def editions_of(parts: Mapping[str, list[Row]]) -> list[tuple[int, str]]:
    """``(fiscal year, report IRI)`` of every edition, oldest first."""
    rows = parts["editions"]
    found = {(year_of(r.get("fy")) or year_of(r["report"]), str(r["report"])) for r in rows}
    return sorted(found)


def published_editions(store: Store) -> list[tuple[int, str]]:
    """:func:`editions_of`, asked on its own."""
    return editions_of(select_parts(store, EDITIONS))
