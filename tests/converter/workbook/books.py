"""Helpers that make real workbooks go wrong, as Excel and people make them go wrong."""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner, Result
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from converter.cli import main
from converter.workbook.schema import INPUT_SHEET


def edited(source: Path, out: Path, change: Callable[[Workbook], None]) -> Path:
    """``source`` opened, changed and saved as ``out`` (openpyxl, as a user's tool)."""
    book = load_workbook(source)
    change(book)
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return out


def row_of(sheet: Worksheet, project: str) -> int:
    """The sheet row of the project whose 事業No is ``project``."""
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row, 1).value == project:
            return row
    raise KeyError(project)


def cell(book: Workbook, project: str, heading: str):  # type: ignore[no-untyped-def]
    sheet = book[INPUT_SHEET]
    column = [c.value for c in sheet[1]].index(heading) + 1
    return sheet.cell(row_of(sheet, project), column)


def rezipped(
    source: Path,
    out: Path,
    replace: dict[str, bytes] | None = None,
    add: dict[str, bytes] | None = None,
) -> Path:
    """A copy of the workbook's zip with members replaced or added."""
    replace, add = replace or {}, add or {}
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, replace.get(info.filename, old.read(info.filename)))
        for name, data in add.items():
            new.writestr(name, data)
    return out


def validate(path: Path) -> Result:
    return CliRunner().invoke(main, ["validate", str(path)])


def copy(source: Path, out: Path) -> Path:
    shutil.copy(source, out)
    return out
