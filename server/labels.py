"""Human labels for IRIs, in the page language, read through the store."""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import Literal, URIRef
from rdflib.term import Node

from server.store import Store
from server.vocab import curie

#: Label properties in order of preference.
LABEL_PROPERTIES = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://schema.org/name",
    "http://purl.org/dc/terms/title",
    "http://xmlns.com/foaf/0.1/name",
)

#: Labels of common vocabulary terms, for stores that hold no copy of those vocabularies.
BUILTIN: dict[str, tuple[str, str]] = {
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type": ("種別", "type"),
    "http://www.w3.org/2000/01/rdf-schema#label": ("ラベル", "label"),
    "http://www.w3.org/2000/01/rdf-schema#comment": ("説明", "comment"),
    "http://www.w3.org/2000/01/rdf-schema#seeAlso": ("関連", "see also"),
    "http://www.w3.org/2004/02/skos/core#prefLabel": ("名称", "preferred label"),
    "http://www.w3.org/2004/02/skos/core#notation": ("記号", "notation"),
    "http://www.w3.org/2004/02/skos/core#broader": ("上位", "broader"),
    "http://www.w3.org/2004/02/skos/core#narrower": ("下位", "narrower"),
    "http://www.w3.org/2004/02/skos/core#inScheme": ("体系", "in scheme"),
    "http://www.w3.org/2004/02/skos/core#hasTopConcept": ("最上位", "top concept"),
    "http://www.w3.org/2004/02/skos/core#topConceptOf": ("最上位の体系", "top concept of"),
    "http://schema.org/name": ("名称", "name"),
    "http://schema.org/description": ("概要", "description"),
    "http://purl.org/dc/terms/title": ("タイトル", "title"),
    "http://purl.org/dc/terms/description": ("説明", "description"),
    "http://purl.org/dc/terms/license": ("ライセンス", "licence"),
    "http://purl.org/dc/terms/publisher": ("公開者", "publisher"),
    "http://purl.org/linked-data/cube#dataSet": ("データセット", "data set"),
    "http://www.w3.org/ns/org#subOrganizationOf": ("上位組織", "sub-organisation of"),
    "http://www.w3.org/ns/org#unitOf": ("所属組織", "unit of"),
}


def _rank(literal: Literal, prop: str, lang: str) -> tuple[int, int]:
    preferred = [lang] + [code for code in ("ja", "en") if code != lang] + [None]
    language = literal.language
    position = preferred.index(language) if language in preferred else len(preferred)
    return position, LABEL_PROPERTIES.index(prop)


def fetch_labels(store: Store, iris: Iterable[Node], lang: str) -> dict[str, str]:
    """``{iri: label}`` for every IRI that has one, preferring ``lang``, then ja, en, none."""
    wanted = sorted({str(i) for i in iris if isinstance(i, URIRef)})
    best: dict[str, tuple[tuple[int, int], str]] = {}
    # Chunked so a page with many links never sends a huge query to a remote endpoint.
    for start in range(0, len(wanted), 200):
        chunk = wanted[start : start + 200]
        values = " ".join(f"<{iri}>" for iri in chunk)
        props = " ".join(f"<{p}>" for p in LABEL_PROPERTIES)
        rows = store.select(
            f"SELECT ?s ?p ?l WHERE {{ VALUES ?s {{ {values} }} VALUES ?p {{ {props} }} "
            f"?s ?p ?l FILTER(isLiteral(?l)) }}"
        )
        for row in rows:
            label = row["l"]
            if not isinstance(label, Literal):
                continue
            key, rank = str(row["s"]), _rank(label, str(row["p"]), lang)
            if key not in best or rank < best[key][0]:
                best[key] = (rank, str(label))
    return {iri: text for iri, (_rank_, text) in best.items()}


class Labeller:
    """Labels for one page: fetched once, then looked up with fallbacks."""

    def __init__(self, store: Store, lang: str) -> None:
        self.store = store
        self.lang = lang
        self._labels: dict[str, str] = {}

    def load(self, iris: Iterable[Node]) -> None:
        missing = [i for i in iris if isinstance(i, URIRef) and str(i) not in self._labels]
        if missing:
            self._labels.update(fetch_labels(self.store, missing, self.lang))

    def __call__(self, iri: Node | str) -> str:
        key = str(iri)
        if key in self._labels:
            return self._labels[key]
        if key in BUILTIN:
            ja, en = BUILTIN[key]
            return en if self.lang == "en" else ja
        return curie(key)
