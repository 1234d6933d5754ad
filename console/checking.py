"""The check of an uploaded table: the converter's whole problem report, and one rule more.

The table is read as ``converter validate`` reads it (:func:`converter.reader.read_table`,
:func:`converter.edition_build.build_edition`), every problem gathered into one
:class:`~converter.errors.Problems`, each placed at its file, sheet, cell, column and
事業No. The console adds one check: a cell a spreadsheet would run as a formula
(``=HYPERLINK(…)``, ``+cmd|…``, ``@SUM(…)``; :func:`converter.spreadsheet.starts_formula`)
is refused. A CSV saved by Excel holds a formula's value, never the formula, and the real
tables have none: such a cell was typed as a formula, or planted.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from converter.edition_build import build_edition
from converter.errors import InputError, Problems, TableProblems
from converter.model import Edition
from converter.orgs import read_register
from converter.reader import read_table
from converter.spreadsheet import starts_formula
from converter.table import Table

FORMULA = (
    "数式として実行されるおそれのある値「{value}」です。値だけを入力してください"
    "（= + - @ で始まる文字は、全角にするなどして数式にならない形にしてください） / "
    "'{value}' would run as a formula in a spreadsheet: type the value only"
)


@dataclass
class Check:
    """What the check found: the table and edition when it has no problem."""

    problems: list[InputError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    table: Table | None = None
    edition: Edition | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def check_table(path: Path, organizations: Path) -> Check:
    """Read and check the table ``path`` (a CSV or a workbook); never raises for the
    table's own problems: they are the check's result."""
    problems = Problems(path.name)
    try:
        table = read_table(path, problems=problems)
        for error in formula_cells(table):
            problems.add(error)
        edition = build_edition(table, read_register(organizations), problems)
        problems.raise_if_any()
    except TableProblems as found:
        return Check(found.problems)
    except InputError as error:
        return Check([problems.place(error)] if error.row is not None else [error])
    return Check([], [*table.warnings, *edition.warnings], table, edition)


def formula_cells(table: Table) -> Iterator[InputError]:
    """A problem for each cell that starts a formula, placed by row and column heading."""
    layout = table.layout
    for row in table.rows:
        cells = [(layout.index[name], text) for name, text in row.cells.items()]
        cells += [(layout.targets[year], text) for year, text in row.targets.items()]
        cells.append((layout.status_index, row.status))
        for position, text in sorted(cells):
            if starts_formula(text):
                shown = text if len(text) <= 40 else text[:40] + "…"
                yield InputError(
                    FORMULA.format(value=shown),
                    file=table.file,
                    row=row.number,
                    column=layout.headings[position],
                )


def problem_record(error: InputError) -> dict[str, Any]:
    """A problem as the report and the API show it."""
    return {
        "file": error.file,
        "sheet": error.sheet,
        "row": error.row,
        "cell": error.cell,
        "column": error.column,
        "project": error.project,
        "where": error.where(),
        "problem": error.problem,
    }
