"""A synthetic table N times the real one: the real rows repeated with renumbered projects
and KPIs (references shifted alike), so every code path of the real data is exercised."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

REFERENCE = re.compile(r"(No)(\d+)")


def _shifted(shift: int) -> Callable[[re.Match[str]], str]:
    """A ``re.sub`` replacement that moves the number of a ``No12`` reference by ``shift``."""
    return lambda m: f"{m[1]}{int(m[2]) + shift}"


def synthetic_rows(source: Path, factor: int) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(source.read_text("utf-8"), newline="")))
    header, body = rows[0], rows[1:]
    col = {name: header.index(name) for name in ("事業No", "再掲元", "KPI番号", "KPI再掲元")}
    projects = sum(1 for r in body if r[col["事業No"]].isdigit())
    kpis = sum(1 for r in body if r[col["KPI番号"]].isdigit())
    out = [header]
    for copy in range(factor):
        for row in body:
            row = list(row)
            if row[col["事業No"]].isdigit():
                row[col["事業No"]] = str(int(row[col["事業No"]]) + copy * projects)
            if row[col["KPI番号"]].isdigit():
                row[col["KPI番号"]] = str(int(row[col["KPI番号"]]) + copy * kpis)
            for name, step in (("再掲元", projects), ("KPI再掲元", kpis)):
                row[col[name]] = REFERENCE.sub(_shifted(copy * step), row[col[name]])
            out.append(row)
    return out


def write_synthetic(source: Path, factor: int, target: Path) -> Path:
    with target.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(synthetic_rows(source, factor))
    return target
