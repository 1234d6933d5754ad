"""The source line PDL1.0 asks a reuser to show: 出典：福島県「…」（URL）.

Read from the catalog in the store (the dataset's publisher, title and landing page), so a
chart embedded elsewhere names exactly what the publication says of itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Literal
from rdflib.term import Node

from converter.vocab import sparql_prefixes
from server.stores.base import Store
from server.web.linking import iri_for_path

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


def attribution(store: Store) -> Attribution:
    """The dataset's attribution (the base IRI as landing page when the catalog has none)."""
    dataset = iri_for_path(DATASET_PATH)
    rows = store.select(
        sparql_prefixes()
        + f"""
        SELECT ?title ?publisher ?landing ?licence WHERE {{
          OPTIONAL {{ <{dataset}> dct:title ?title }}
          OPTIONAL {{ <{dataset}> dct:publisher/rdfs:label ?publisher }}
          OPTIONAL {{ <{dataset}> dcat:landingPage ?landing }}
          OPTIONAL {{ <{dataset}> dct:license ?licence }} }}"""
    )
    landing = next((str(r["landing"]) for r in rows if r.get("landing")), iri_for_path(""))
    licence = next((str(r["licence"]) for r in rows if r.get("licence")), LICENCE_URL)
    publisher = _by_language(rows, "publisher") or {"ja": "福島県", "en": "Fukushima Prefecture"}
    return Attribution(publisher, _by_language(rows, "title"), landing, licence)
