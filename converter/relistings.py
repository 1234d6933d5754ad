"""再掲 rows against the rows they re-list: what the table's rows leave to check against
later ones, the checks once every row is read, and the warnings they give."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

from converter.errors import InputError, Problems
from converter.model import Edition, Kpi, Project
from converter.table import Row

T = TypeVar("T")


@dataclass
class Rows:
    """What the rows read so far left to check against later ones."""

    relistings: list[tuple[Row, int]] = field(default_factory=list)
    kpi_references: list[tuple[Row, int]] = field(default_factory=list)
    listed: dict[tuple[int, str], int] = field(default_factory=dict)  # (project, item) → row


def check_references(edition: Edition, state: Rows, file: str, found: Problems) -> None:
    """Each 再掲 row refers to a project or KPI the table defines; differences are warned."""
    for row, number in state.relistings:
        original = found.check(_referenced, edition.projects, "事業", "再掲元", row, number, file)
        if isinstance(original, Project) and row.cells["project_name"] != original.name:
            warn(
                edition,
                found,
                row,
                "事業名又は取組名",
                f"事業名が事業 {number}（{original.row} 行目）と違います / 事業名 differs from "
                f"project {number} (row {original.row})",
            )
    for row, number in state.kpi_references:
        kpi = found.check(_referenced, edition.kpis, "KPI", "KPI再掲元", row, number, file)
        if not isinstance(kpi, Kpi):
            continue
        if row.cells["kpi_name"] and row.cells["kpi_name"] != kpi.name:
            warn(
                edition,
                found,
                row,
                "指標名",
                f"指標名が KPI {number}（{kpi.row} 行目）と違います / 指標名 differs from KPI "
                f"{number} (row {kpi.row})",
            )
        printed = [c.value.notation for c in kpi.cells] + [kpi.evaluation_notation]
        relisted = edition.relisted_cells.get(row.number, [])
        if any(relisted) and relisted != printed:
            warn(
                edition,
                found,
                row,
                None,
                f"再掲した KPI {number} の値が {kpi.row} 行目と違います / the re-listed values of "
                f"KPI {number} differ from row {kpi.row}",
            )


def _referenced(table: dict[int, T], kind: str, column: str, row: Row, number: int, file: str) -> T:
    """The project or KPI a 再掲 row refers to.

    :raises InputError: the table defines no such project or KPI (names row and column).
    """
    if number not in table:
        english = "project" if kind == "事業" else kind
        raise InputError(
            f"再掲元の{kind} {number} は表にありません（それを定義する行に問題があれば、先にそれを"
            f"直してください） / 再掲 refers to {english} {number}, which the table does not "
            "define (if the row that defines it has a problem, fix that first)",
            file=file,
            row=row.number,
            column=column,
        )
    return table[number]


def warn(edition: Edition, found: Problems, row: Row, column: str | None, message: str) -> None:
    found.warn(message, row=row.number, column=column)
    edition.warnings.append(found.warnings[-1])


def collect_kpi_plan_items(edition: Edition) -> None:
    """Each KPI lists every plan item a project carrying it is listed under."""
    for listing in edition.listings:
        if listing.kpi is None or listing.kpi not in edition.kpis:
            continue
        items = edition.kpis[listing.kpi].plan_items
        if listing.plan_item not in items:
            items.append(listing.plan_item)
