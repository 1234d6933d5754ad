"""Data for the browsing pages (plan tree, projects by organisation, KPI table)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import Literal
from rdflib.term import Node

from server.labels import Labeller
from server.store import Store
from server.vocab import sparql_prefixes

ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9, "X": 10}


def natural_key(iri: object) -> tuple[object, ...]:
    """Sort ``…/plan/II-3-10`` after ``…/plan/I-3-9`` (roman field, numeric parts)."""
    tail = str(iri).rstrip("/").rsplit("/", 1)[-1]
    key: list[object] = []
    for part in re.split(r"[-_.]", tail):
        if part in ROMAN:
            key.append((0, ROMAN[part], ""))
        elif part.isdigit():
            key.append((0, int(part), ""))
        else:
            key.append((1, 0, part))
    return tuple(key)


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
    note: str = ""


@dataclass
class Node_:
    iri: Node
    label: str
    children: list[Node_] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)


def plan_tree(store: Store, labeller: Labeller) -> list[Node_]:
    """分野 → 項目 → 施策 with the projects listed under each (再掲 rows flagged)."""
    concepts = store.select(
        sparql_prefixes()
        + """
        SELECT DISTINCT ?c ?broader WHERE {
          VALUES ?type { dx:Field dx:Item dx:Measure } ?c a ?type .
          OPTIONAL { ?c skos:broader ?broader } }"""
    )
    listings = store.select(
        sparql_prefixes()
        + """
        SELECT DISTINCT ?item ?project ?num ?relist ?note WHERE {
          ?listing a dx:Listing ; dx:planItem ?item ; dx:project ?project .
          OPTIONAL { ?project dx:projectNumber ?num } OPTIONAL { ?listing dx:isRelisting ?relist }
          OPTIONAL { ?listing dx:relistingNotation ?note } }"""
    )
    labeller.load([r["c"] for r in concepts] + [r["project"] for r in listings])
    nodes = {str(r["c"]): Node_(r["c"], labeller(r["c"])) for r in concepts}
    roots: list[Node_] = []
    for row in concepts:
        node, parent = nodes[str(row["c"])], nodes.get(str(row.get("broader")))
        if parent is None:
            if node not in roots:
                roots.append(node)
        elif node not in parent.children:
            parent.children.append(node)
    for row in listings:
        target = nodes.get(str(row["item"]))
        if target is not None:
            relist = row.get("relist")
            target.entries.append(
                Entry(
                    row["project"],
                    _int(row.get("num")),
                    labeller(row["project"]),
                    bool(relist.toPython()) if isinstance(relist, Literal) else False,
                    str(row.get("note", "")),
                )
            )
    for node in nodes.values():
        node.children.sort(key=lambda n: natural_key(n.iri))
        node.entries.sort(key=lambda e: (e.relisting, e.number))
    return sorted(roots, key=lambda n: natural_key(n.iri))


def projects_by_org(store: Store, labeller: Labeller) -> list[Node_]:
    """Departments → divisions → projects; a project with two departments appears under both."""
    prefixes = sparql_prefixes()
    by_div = store.select(
        prefixes
        + """
        SELECT DISTINCT ?project ?num ?div ?dept WHERE { ?project a dx:Project ; dx:division ?div .
          ?div org:subOrganizationOf ?dept OPTIONAL { ?project dx:projectNumber ?num } }"""
    )
    by_dept = store.select(
        prefixes
        + """
        SELECT DISTINCT ?project ?num ?dept WHERE { ?project a dx:Project ; dx:department ?dept .
          OPTIONAL { ?project dx:projectNumber ?num } }"""
    )
    labeller.load([r[k] for r in by_div + by_dept for k in ("project", "dept", "div") if k in r])
    depts: dict[str, Node_] = {}
    divisions: dict[str, Node_] = {}
    placed: set[tuple[str, str]] = set()
    for row in by_div + by_dept:  # divisions first, so the department fallback sees them
        project, dept, div = row["project"], row["dept"], row.get("div")
        if (str(project), str(dept)) in placed and div is None:
            continue
        dnode = depts.setdefault(str(dept), Node_(dept, labeller(dept)))
        holder = dnode
        if div is not None:
            holder = divisions.setdefault(str(div), Node_(div, labeller(div)))
            if holder not in dnode.children:
                dnode.children.append(holder)
        placed.add((str(project), str(dept)))
        holder.entries.append(Entry(project, _int(row.get("num")), labeller(project)))
    for dnode in depts.values():
        dnode.children.sort(key=lambda n: n.label)
        for holder in [dnode, *dnode.children]:
            holder.entries.sort(key=lambda e: e.number)
    return sorted(depts.values(), key=lambda n: n.label)


@dataclass
class KpiSummary:
    iri: Node
    number: int
    label: str
    unit: str = ""
    cells: dict[str, str] = field(default_factory=dict)
    evaluation: Node | None = None
    evaluation_label: str = ""


def kpi_table(store: Store, labeller: Labeller) -> tuple[list[KpiSummary], list[str]]:
    """Every KPI with its printed values per column (baseline, targets by year, actual)."""
    rows = store.select(
        sparql_prefixes()
        + """
        SELECT ?kpi ?num ?unit ?kind ?period ?notation ?evaluation WHERE {
          ?kpi a dx:Kpi . OPTIONAL { ?kpi dx:kpiNumber ?num } OPTIONAL { ?kpi dx:unitLabel ?unit }
          OPTIONAL { ?v dx:refKpi ?kpi ; dx:valueKind ?kind ; dx:notation ?notation .
                     OPTIONAL { ?v dx:refPeriod ?period }
                     OPTIONAL { ?v dx:evaluation ?evaluation } } }"""
    )
    labeller.load([r[k] for r in rows for k in ("kpi", "period", "evaluation") if k in r])
    kpis: dict[str, KpiSummary] = {}
    columns: dict[str, tuple[int, str]] = {}
    for row in rows:
        kpi = kpis.setdefault(
            str(row["kpi"]), KpiSummary(row["kpi"], _int(row.get("num")), labeller(row["kpi"]))
        )
        kpi.unit = str(row.get("unit", kpi.unit))
        kind = str(row.get("kind", "")).rsplit("#", 1)[-1]
        if not kind:
            continue
        period = row.get("period")
        column = (
            "Baseline" if kind == "Baseline" else f"{kind}|{labeller(period) if period else ''}"
        )
        year = re.search(r"(\d{4})$", str(period or ""))
        columns[column] = (
            {"Baseline": 0, "Target": 1, "Actual": 2}.get(kind, 3),
            year.group(1) if year else "",
        )
        kpi.cells[column] = str(row["notation"])
        if row.get("evaluation") is not None:
            kpi.evaluation = row["evaluation"]
            kpi.evaluation_label = labeller(row["evaluation"])
    ordered = sorted(columns, key=lambda c: columns[c])
    return sorted(kpis.values(), key=lambda k: (k.number, str(k.iri))), ordered
