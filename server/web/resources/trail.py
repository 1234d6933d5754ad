"""The breadcrumb above a resource page: the plan items, KPI or organisations above it,
from the rows :func:`~server.web.resources.queries.page_parts` read."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Literal, URIRef
from rdflib.term import Node

from converter.vocab import DX
from server.web.common.batch import Row
from server.web.common.i18n import t
from server.web.common.labels import Labeller
from server.web.common.naming import numbered
from server.web.common.urls import urls

PLAN_TYPES = frozenset({DX.Field, DX.Item, DX.Measure, DX.PlanItem})


@dataclass
class Crumb:
    """One step of a page's breadcrumb: a list of the site (``url``) or a resource."""

    label: str
    iri: Node | None = None
    url: str = ""  #: a page of the site (the plan, the KPIs, the organisations)
    original: str = ""  #: the Japanese name beside an English label (English pages)


def _ancestry(start: str, edges: list[Row]) -> list[tuple[str, str]]:
    """``(node, printed number)`` of ``start`` and everything above it, top first."""
    up: dict[str, set[str]] = {}
    numbers: dict[str, list[str]] = {}
    for row in edges:
        node = str(row["a"])
        up.setdefault(node, set())
        if row.get("b") is not None:
            up[node].add(str(row["b"]))
        if isinstance(row.get("n"), Literal):
            numbers.setdefault(node, []).append(str(row["n"]))

    def above(node: str) -> set[str]:  # itself and every node above it
        seen, todo = {node}, [node]
        while todo:
            for parent in up.get(todo.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return seen

    chain = sorted(above(start), key=lambda node: (len(above(node)), node))
    return [(node, n) for node in chain for n in (sorted(numbers.get(node, [])) or [""])]


def _crumbs(chain: list[tuple[str, str]], labeller: Labeller) -> list[Crumb]:
    return [
        Crumb(numbered(labeller(a), n or None), URIRef(a), original=labeller.original(a))
        for a, n in chain
    ]


def _start(rows: list[Row]) -> str:
    """The plan item where a project is printed first (not a 再掲 row)."""

    def order(row: Row) -> tuple[int, str]:
        relisted = row.get("r")
        flag = 0 if not isinstance(relisted, Literal) else 1 + bool(relisted.toPython())
        return flag, str(row["x"])

    return str(min(rows, key=order)["x"]) if rows else ""


def trail(
    iri: str, types: set[Node], parts: dict[str, list[Row]], labeller: Labeller
) -> list[Crumb]:
    """The breadcrumb of ``iri``: a project leads to the plan item where it is printed first.

    ``labeller`` knows the labels already (the page's labels part names every node here).
    """
    plan = Crumb(t("plan"), url=urls.plan())
    if types & PLAN_TYPES:
        return [plan, *_crumbs(_ancestry(iri, parts["plan_chain"]), labeller)[:-1]]
    start = _start(parts["starts"]) if types & {DX.Project, DX.Listing} else ""
    if start:
        return [plan, *_crumbs(_ancestry(start, parts["plan_chain"]), labeller)]
    kpis = Crumb(t("kpis"), url=urls.kpis())
    if DX.Kpi in types:
        return [kpis]
    if DX.KpiValue in types:
        kpi = _object(iri, parts, DX.refKpi)
        if not kpi:
            return [kpis]
        return [kpis, Crumb(labeller(kpi), URIRef(kpi), original=labeller.original(kpi))]
    if types & {DX.Department, DX.Division}:
        chain = _crumbs(_ancestry(iri, parts["org_chain"]), labeller)[:-1]
        return [Crumb(t("projects"), url=urls.projects()), *chain]
    return []


def _object(iri: str, parts: dict[str, list[Row]], prop: Node) -> str:
    """The first object of ``prop`` among the resource's own triples."""
    own = [r for r in parts["description"] if str(r.get("s")) == iri and r.get("p") == prop]
    found = sorted(str(r["o"]) for r in own)
    return found[0] if found else ""
