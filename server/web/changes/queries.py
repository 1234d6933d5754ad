"""The changes between consecutive editions, as the build published them (docs/editions.md).

One ``dx:Change`` per change in the graph ``B graph/changes`` (absent while there is a single
edition): its type, the two editions, the changed resource's two versions, and the printed
text before and after. Nothing is computed here; the build decided what changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from converter.vocab import DX
from server.stores.base import Store
from server.web.common.batch import Row
from server.web.common.labels import labels_of
from server.web.common.publication import named_graph, year_of
from server.web.common.urls import iri_for_path

#: The change types in the order the contract numbers them (and the page lists them).
TYPES = (
    "ProjectAdded",
    "ProjectRemoved",
    "ProjectRenamed",
    "TargetRevised",
    "EvaluationChanged",
    "ActualAdded",
)


def changes_graph() -> str:
    return iri_for_path("graph/changes")


@dataclass(frozen=True)
class Change:
    iri: str
    number: int
    type: str  #: the change type's IRI
    to_edition: str  #: the later edition's report
    from_edition: str = ""
    previous: str = ""  #: the resource in the earlier edition ("" for an addition)
    current: str = ""  #: the resource in the later edition ("" for a removal)
    subject: str = ""  #: the stable KPI, for KPI changes
    old: str = ""  #: the printed text before
    new: str = ""  #: the printed text after
    label: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def year(self) -> int:
        """The later edition's fiscal year."""
        return year_of(self.to_edition)

    @property
    def type_name(self) -> str:
        return self.type.rsplit("#", 1)[-1]

    def sentence(self, lang: str) -> str:
        return self.label.get(lang) or self.label.get("ja") or next(iter(self.label.values()), "")


def _text(row: dict[str, Node], key: str) -> str:
    return str(row[key]) if key in row else ""


def _change(row: dict[str, Node]) -> Change:
    number = row.get("n")
    return Change(
        iri=str(row["c"]),
        number=int(number.toPython()) if isinstance(number, Literal) else 0,
        type=_text(row, "type"),
        to_edition=_text(row, "to"),
        from_edition=_text(row, "from"),
        previous=_text(row, "previous"),
        current=_text(row, "current"),
        subject=_text(row, "subject"),
        old=_text(row, "old"),
        new=_text(row, "new"),
    )


def changes_parts() -> dict[str, str]:
    """The sub-selects of the changes and of the labels of what they name."""
    graph = changes_graph()
    return {
        "changes": f"""
        SELECT ?c ?n ?type ?from ?to ?previous ?current ?subject ?old ?new ?label WHERE {{
          GRAPH <{graph}> {{
            ?c a dx:Change ; dx:changeType ?type ; dx:toEdition ?to .
            OPTIONAL {{ ?c dx:changeNumber ?n }} OPTIONAL {{ ?c dx:fromEdition ?from }}
            OPTIONAL {{ ?c dx:previousVersion ?previous }}
            OPTIONAL {{ ?c dx:currentVersion ?current }} OPTIONAL {{ ?c dx:subject ?subject }}
            OPTIONAL {{ ?c dx:previousValue ?old }} OPTIONAL {{ ?c dx:newValue ?new }}
            OPTIONAL {{ ?c rdfs:label ?label }} }} }}""",
        "labels": labels_of(
            f"GRAPH <{graph}> {{ ?c a dx:Change ; "
            "dx:changeType|dx:previousVersion|dx:currentVersion|dx:subject ?s }"
        ),
    }


def changes_of(parts: Mapping[str, list[Row]]) -> list[Change]:
    """Every published change, latest edition first, then in the build's order."""
    found: dict[str, Change] = {}
    for row in parts["changes"]:
        change = found.setdefault(str(row["c"]), _change(row))
        label = row.get("label")
        if isinstance(label, Literal):
            change.label.setdefault(label.language or "", str(label))
    return sorted(found.values(), key=lambda c: (-c.year, c.number, c.iri))


Grouped = list[tuple[str, list[Change]]]


def by_type(found: list[Change]) -> Grouped:
    """``(change type, changes)`` in the build's order (it numbers changes type by type)."""
    groups: dict[str, list[Change]] = {}
    for change in sorted(found, key=lambda c: c.number):
        groups.setdefault(change.type, []).append(change)
    return list(groups.items())


@dataclass(frozen=True)
class Step:
    """The changes from one edition to the next."""

    before: int  #: the earlier edition's fiscal year
    after: int
    types: Grouped

    @property
    def count(self) -> int:
        return sum(len(items) for _, items in self.types)


def by_edition(found: list[Change]) -> list[Step]:
    """The changes per pair of editions, latest first, by type."""
    groups: dict[tuple[int, int], list[Change]] = {}
    for change in found:
        groups.setdefault((year_of(change.from_edition), change.year), []).append(change)
    return [Step(before, after, by_type(items)) for (before, after), items in groups.items()]


def changes_rdf(store: Store) -> Graph:
    """The changes graph with the labels of the change types and of the versions it names."""
    graph = named_graph(store, changes_graph())
    page = URIRef(iri_for_path("changes"))
    graph.add((page, RDFS.label, Literal("年度版の間の変更", lang="ja")))
    graph.add((page, RDFS.label, Literal("Changes between editions", lang="en")))
    graph.add((page, RDFS.seeAlso, URIRef(iri_for_path("changes.atom"))))
    for change in set(graph.subjects(RDF.type, DX.Change)):
        graph.add((page, RDFS.member, change))
    return graph
