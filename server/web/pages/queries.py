"""Data for the browsing pages (plan tree, projects by organisation, KPI table).

Each page's data comes from one round trip: its queries, labels included, are the
sub-selects of one query (:data:`PLAN`, :data:`PROJECTS`, :data:`KPIS` for
:func:`~server.web.common.batch.select_parts`), and the functions here only shape the rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import Literal
from rdflib.term import Node

from converter.vocab import DX
from server.web.common.batch import Row
from server.web.common.labels import Labeller, label_rows, labels_of
from server.web.common.naming import natural_key, shows_notation


def _int(node: Node | None) -> int:
    try:
        return int(node.toPython()) if isinstance(node, Literal) else 0
    except (TypeError, ValueError):
        return 0


@dataclass
class Entry:
    """A project shown somewhere in a listing."""

    iri: Node
    number: int
    label: str
    relisting: bool = False
    note: str = ""  # as printed, e.g. "※再掲:No4"
    original: str = ""  # the Japanese label beside an English one

    @property
    def relisted_number(self) -> str:
        """``4`` for "※再掲:No4" (the row where the project is listed first)."""
        found = re.search(r"No\.?\s*(\d+)", self.note, re.IGNORECASE)
        return found.group(1) if found else ""


@dataclass
class Node_:
    iri: Node
    label: str
    children: list[Node_] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    notation: str = ""
    original: str = ""

    @property
    def shown_notation(self) -> str:
        """The printed number to show before the label ("" when the label has it)."""
        return self.notation if shows_notation(self.label, self.notation) else ""


PLAN = {
    # Every field, item and measure with its broader plan item and printed number.
    "items": """
        SELECT DISTINCT ?c ?broader ?notation WHERE {
          VALUES ?type { dx:Field dx:Item dx:Measure } ?c a ?type .
          OPTIONAL { ?c skos:broader ?broader } OPTIONAL { ?c skos:notation ?notation } }""",
    # Every listing: the plan item, the project, its number and the 再掲 flag and note.
    "listings": """
        SELECT DISTINCT ?item ?project ?num ?relist ?note WHERE {
          ?listing a dx:Listing ; dx:planItem ?item ; dx:project ?project .
          OPTIONAL { ?project dx:projectNumber ?num } OPTIONAL { ?listing dx:isRelisting ?relist }
          OPTIONAL { ?listing dx:relistingNotation ?note } }""",
    "labels": labels_of(
        "{ VALUES ?type { dx:Field dx:Item dx:Measure } ?s a ?type } "
        "UNION { ?listing a dx:Listing ; dx:project ?s }"
    ),
}


def plan_tree(parts: dict[str, list[Row]], labeller: Labeller) -> list[Node_]:
    """分野 → 項目 → 施策 with the projects listed under each (再掲 rows flagged)."""
    concepts, listings = parts["items"], parts["listings"]
    labeller.know(label_rows(parts["labels"]))
    nodes = {
        str(r["c"]): Node_(
            r["c"],
            labeller(r["c"]),
            notation=str(r.get("notation", "")),
            original=labeller.original(r["c"]),
        )
        for r in concepts
    }
    roots = _link_plan_items(concepts, nodes)
    for row in listings:
        target = nodes.get(str(row["item"]))
        if target is not None:
            target.entries.append(_listed_entry(row, labeller))
    for node in nodes.values():
        node.children.sort(key=lambda n: natural_key(n.iri))
        node.entries.sort(key=lambda e: (e.relisting, e.number))
    return sorted(roots, key=lambda n: natural_key(n.iri))


def _link_plan_items(concepts: list[dict[str, Node]], nodes: dict[str, Node_]) -> list[Node_]:
    """Hang each plan item under its broader one; the roots are those without one."""
    roots: list[Node_] = []
    for row in concepts:
        node, parent = nodes[str(row["c"])], nodes.get(str(row.get("broader")))
        if parent is None:
            if node not in roots:
                roots.append(node)
        elif node not in parent.children:
            parent.children.append(node)
    return roots


def _listed_entry(row: dict[str, Node], labeller: Labeller) -> Entry:
    relist = row.get("relist")
    return Entry(
        row["project"],
        _int(row.get("num")),
        labeller(row["project"]),
        bool(relist.toPython()) if isinstance(relist, Literal) else False,
        str(row.get("note", "")),
        labeller.original(row["project"]),
    )


PROJECTS = {
    "by_division": """
        SELECT DISTINCT ?project ?num ?div ?dept WHERE { ?project a dx:Project ; dx:division ?div .
          ?div org:subOrganizationOf ?dept OPTIONAL { ?project dx:projectNumber ?num } }""",
    "by_department": """
        SELECT DISTINCT ?project ?num ?dept WHERE { ?project a dx:Project ; dx:department ?dept .
          OPTIONAL { ?project dx:projectNumber ?num } }""",
    "labels": labels_of(
        "{ ?s a dx:Project } UNION { ?x a dx:Project ; dx:department|dx:division ?s } "
        "UNION { ?x a dx:Project ; dx:division/org:subOrganizationOf ?s }"
    ),
}


def projects_by_org(parts: dict[str, list[Row]], labeller: Labeller) -> list[Node_]:
    """Departments → divisions → projects; a project with two departments appears under both."""
    by_div, by_dept = parts["by_division"], parts["by_department"]
    labeller.know(label_rows(parts["labels"]))
    depts: dict[str, Node_] = {}
    divisions: dict[str, Node_] = {}
    placed: set[tuple[str, str]] = set()
    for row in by_div + by_dept:  # divisions first, so the department fallback sees them
        project, dept, div = row["project"], row["dept"], row.get("div")
        if (str(project), str(dept)) in placed and div is None:
            continue
        holder = _org_node(depts, divisions, dept, div, labeller)
        placed.add((str(project), str(dept)))
        holder.entries.append(
            Entry(
                project,
                _int(row.get("num")),
                labeller(project),
                original=labeller.original(project),
            )
        )
    for dnode in depts.values():
        dnode.children.sort(key=lambda n: n.label)
        for holder in [dnode, *dnode.children]:
            holder.entries.sort(key=lambda e: e.number)
    return sorted(depts.values(), key=lambda n: n.label)


def _org_node(
    depts: dict[str, Node_],
    divisions: dict[str, Node_],
    dept: Node,
    div: Node | None,
    labeller: Labeller,
) -> Node_:
    """The division a project goes under (hung under its department), else its department."""
    dnode = depts.setdefault(
        str(dept), Node_(dept, labeller(dept), original=labeller.original(dept))
    )
    if div is None:
        return dnode
    holder = divisions.setdefault(
        str(div), Node_(div, labeller(div), original=labeller.original(div))
    )
    if holder not in dnode.children:
        dnode.children.append(holder)
    return holder


@dataclass
class KpiSummary:
    iri: Node
    number: int
    label: str
    unit: str = ""
    cells: dict[str, str] = field(default_factory=dict)
    evaluation: Node | None = None
    evaluation_label: str = ""
    lower_is_better: bool = False
    original: str = ""


KIND_ORDER = {"Baseline": 0, "Target": 1, "Actual": 2}


def _pick_unit(units: list[Literal], lang: str) -> str:
    ranked = sorted(units, key=lambda u: (u.language != lang, u.language != "ja", str(u)))
    return str(ranked[0]) if ranked else ""


KPIS = {
    # One row per printed value of each KPI (one bare row for a KPI without values).
    "values": """
        SELECT ?kpi ?num ?direction ?kind ?period ?notation ?evaluation WHERE {
          ?kpi a dx:Kpi . OPTIONAL { ?kpi dx:kpiNumber ?num }
          OPTIONAL { ?kpi dx:direction ?direction }
          OPTIONAL { ?v dx:refKpi ?kpi ; dx:valueKind ?kind ; dx:notation ?notation .
                     OPTIONAL { ?v dx:refPeriod ?period }
                     OPTIONAL { ?v dx:evaluation ?evaluation } } }""",
    "units": "SELECT ?kpi ?unit WHERE { ?kpi a dx:Kpi ; dx:unitLabel ?unit }",
    "labels": labels_of(
        "{ ?s a dx:Kpi } UNION { ?v dx:refKpi ?k ; dx:refPeriod|dx:evaluation ?s }"
    ),
}


def kpi_table(
    parts: dict[str, list[Row]], labeller: Labeller
) -> tuple[list[KpiSummary], list[str]]:
    """Every KPI with its printed values per column.

    Columns: the baseline, then each year's target followed by that year's actual, so the
    evaluated pair stands side by side.
    """
    rows, units = parts["values"], parts["units"]
    labeller.know(label_rows(parts["labels"]))
    kpis: dict[str, KpiSummary] = {}
    columns: dict[str, tuple[str, int]] = {}
    for row in rows:
        kpi = kpis.setdefault(
            str(row["kpi"]),
            KpiSummary(
                row["kpi"],
                _int(row.get("num")),
                labeller(row["kpi"]),
                original=labeller.original(row["kpi"]),
            ),
        )
        kpi.lower_is_better = kpi.lower_is_better or row.get("direction") == DX.LowerIsBetter
        _add_kpi_value(kpi, row, columns, labeller)
    _set_units(kpis, units, labeller.lang)
    ordered = sorted(columns, key=lambda c: columns[c])
    return sorted(kpis.values(), key=lambda k: (k.number, str(k.iri))), ordered


def _add_kpi_value(
    kpi: KpiSummary, row: dict[str, Node], columns: dict[str, tuple[str, int]], labeller: Labeller
) -> None:
    """Put a printed value in its column, noting the column's sort key (year, kind)."""
    kind = str(row.get("kind", "")).rsplit("#", 1)[-1]
    if not kind:
        return
    period = row.get("period")
    column = "Baseline" if kind == "Baseline" else f"{kind}|{labeller(period) if period else ''}"
    year = re.search(r"(\d{4})$", str(period or ""))
    columns[column] = (
        "" if kind == "Baseline" else (year.group(1) if year else "9999"),
        KIND_ORDER.get(kind, 3),
    )
    kpi.cells[column] = str(row["notation"])
    if row.get("evaluation") is not None:
        kpi.evaluation = row["evaluation"]
        kpi.evaluation_label = labeller(row["evaluation"])


def _set_units(kpis: dict[str, KpiSummary], units: list[dict[str, Node]], lang: str) -> None:
    """Give each KPI the unit label best suited to the page language."""
    by_kpi: dict[str, list[Literal]] = {}
    for row in units:
        if isinstance(row.get("unit"), Literal):
            by_kpi.setdefault(str(row["kpi"]), []).append(row["unit"])  # type: ignore[arg-type]
    for key, kpi in kpis.items():
        kpi.unit = _pick_unit(by_kpi.get(key, []), lang)
