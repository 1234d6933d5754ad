"""The report as checked domain objects (no rdflib here).

A printed row is a *listing*: a project shown under one plan item. A 再掲 row is one more
listing of a project defined elsewhere; it never creates a second project or KPI. The
objects are built from a table by converter/edition_build.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from converter.orgs import Org, OrgRegister
from converter.plan import PlanItem
from converter.values import ParsedValue, Qualifier

__all__ = ["Edition", "Kpi", "KpiCell", "Listing", "PlanItem", "Project"]


@dataclass(frozen=True)
class KpiCell:
    kind: str  # "baseline" | "target" | "actual"
    year: int | None  # fiscal year; None for the baseline (its year is not printed)
    value: ParsedValue


@dataclass
class Kpi:
    number: int
    name: str
    unit: str  # 単位 as given ("" when none)
    cells: list[KpiCell]
    evaluation: str | None  # "Achieved" | "PartiallyAchieved" | "NotAchieved"
    evaluation_notation: str
    carried_by: int  # the project whose row defines the KPI
    row: int
    plan_items: list[str] = field(default_factory=list)

    @property
    def direction(self) -> str | None:
        """ "HigherIsBetter" / "LowerIsBetter", read from the printed targets."""
        qualifiers = {c.value.qualifier for c in self.cells}
        if Qualifier.AT_MOST in qualifiers:
            return "LowerIsBetter"
        if Qualifier.AT_LEAST in qualifiers:
            return "HigherIsBetter"
        series = [
            c.value.number for c in self.cells if c.kind != "actual" and c.value.number is not None
        ]
        if len(series) < 2 or series[0] == series[-1]:
            return None
        return "HigherIsBetter" if series[-1] > series[0] else "LowerIsBetter"


@dataclass(frozen=True)
class Listing:
    row: int
    project: int
    plan_item: str
    is_relisting: bool
    relisting_notation: str
    kpi: int | None
    is_kpi_relisting: bool
    summary: str
    goal_kind: str | None
    goal: str
    status: str


@dataclass(frozen=True)
class Project:
    number: int
    name: str
    departments: tuple[Org, ...]
    divisions: tuple[Org, ...]
    row: int


@dataclass
class Edition:
    fiscal_year: int
    file: str
    plan_items: dict[str, PlanItem]
    projects: dict[int, Project]
    kpis: dict[int, Kpi]
    listings: list[Listing]
    orgs: OrgRegister
    warnings: list[str]
    relisted_cells: dict[int, list[str]] = field(default_factory=dict)  # row → notations
