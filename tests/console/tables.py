"""Tables for the console tests, made from the real ones as the staff (or an attacker) would."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FY2023 = ROOT / "data" / "dx-kpi-fy2023.csv"
FY2024 = ROOT / "tests" / "fixtures" / "fy2024" / "dx-kpi-fy2024.csv"

Records = list[list[str]]


def records(path: Path) -> Records:
    return list(csv.reader(io.StringIO(path.read_text("utf-8-sig"), newline="")))


def write(records: Records, out: Path) -> Path:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(records)
    out.write_text(text.getvalue(), encoding="utf-8")
    return out


def edited(source: Path, out: Path, change: Callable[[Records], None]) -> Path:
    table = records(source)
    change(table)
    return write(table, out)


def set_cell(table: Records, project: str, heading: str, value: str) -> None:
    """Set ``heading`` in the first row of the project ``project`` (its 事業No)."""
    column = table[0].index(heading)
    row = next(r for r in table[1:] if r[0] == project)
    row[column] = value


def without_project(table: Records, project: str) -> None:
    """Drop the project ``project``: its own rows and the rows that re-list it."""
    table[:] = [table[0]] + [
        r for r in table[1:] if r[0] != project and r[1] != f"※再掲:No{project}"
    ]
