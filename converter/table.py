"""The columns of the source table, by their Japanese headings as printed in the report."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from converter.era import REIWA_YEARS, fiscal_year
from converter.errors import InputError


@dataclass(frozen=True)
class Column:
    heading: str  # Japanese heading in the CSV header row
    name: str  # ASCII name (CSVW "name")
    required: bool = False  # must be non-empty on every row
    is_list: bool = False  # ";"-separated list (two departments, …)


FIXED_COLUMNS = (
    Column("事業No", "project_no", required=True),
    Column("再掲元", "relisting_of"),
    Column("分野", "field", required=True),
    Column("項目番号", "item_no", required=True),
    Column("項目名称", "item_name", required=True),
    Column("施策No", "measure_no", required=True),
    Column("施策名称", "measure_name"),
    Column("部", "department", required=True, is_list=True),
    Column("課", "division", required=True, is_list=True),
    Column("事業名又は取組名", "project_name", required=True),
    Column("事業概要又は取組内容", "summary"),
    Column("目標区分", "goal_kind"),
    Column("指標（ＫＰＩ）又は目標", "goal"),
    Column("KPI番号", "kpi_no"),
    Column("KPI再掲元", "kpi_relisting_of"),
    Column("指標名", "kpi_name"),
    Column("単位", "unit"),
    Column("基準値", "baseline"),
    Column("実績値", "actual"),
    Column("評価", "evaluation"),
)
LIST_SEPARATOR = ";"
#: What KPI番号 holds in a row without a KPI (a 【目標】 row).
NO_KPI = frozenset({"", "‐", "-", "－", "―"})
#: The columns that belong to a row's KPI (besides the 目標値 columns): (name, heading).
KPI_VALUE_COLUMNS = tuple(
    (c.name, c.heading)
    for c in FIXED_COLUMNS
    if c.name in ("kpi_relisting_of", "kpi_name", "unit", "baseline", "actual", "evaluation")
)

# Headings that carry a year: "目標値Ｒ５" (target for 令和5年度) and "令和５年度取組状況"
# (the status of the edition's year, which is also the year of 実績値).
_TARGET = re.compile(r"^目標値R([0-9]+)$")
_STATUS = re.compile(r"^令和([0-9]+)年度取組状況$")


def source_csv_name(file: str) -> str:
    """The name a table is published under: a CSV as it is, a workbook as the CSV of its
    table (``dx-kpi-fy2024.xlsx`` → ``dx-kpi-fy2024.csv``)."""
    stem, dot, suffix = file.rpartition(".")
    return f"{stem}.csv" if dot and suffix.lower() in ("xlsx", "xltx") else file


@dataclass(frozen=True)
class Layout:
    """Where each column is in one concrete table."""

    index: dict[str, int]  # column name → position
    targets: dict[int, int]  # fiscal year (Gregorian) → position
    status_index: int
    fiscal_year: int  # the edition's fiscal year, from the 取組状況 heading
    headings: list[str]


def _normal(heading: str) -> str:
    return unicodedata.normalize("NFKC", heading).strip()


def layout_from_header(header: list[str], *, file: str) -> Layout:
    """Check the header row and locate every column.

    :raises InputError: a column is missing, duplicated or not recognised, or a heading's
        year is not a plausible 令和 year.
    """
    index: dict[str, int] = {}
    targets: dict[int, int] = {}
    status: tuple[int, int] | None = None
    by_heading = {_normal(c.heading): c for c in FIXED_COLUMNS}
    unknown = []
    for position, raw in enumerate(header):
        heading = _normal(raw)
        if heading == "" and position == len(header) - 1:
            continue  # a trailing comma in the header row
        column = by_heading.get(heading)
        target, state = _TARGET.match(heading), _STATUS.match(heading)
        if column is not None:
            _place(index, column.name, position, raw, file)
        elif target:
            _place(targets, _year(target[1], raw, file), position, raw, file)
        elif state:
            if status is not None:
                raise InputError(
                    f"列「{raw}」が二つあります / column '{raw}' appears twice", file=file, row=1
                )
            status = (_year(state[1], raw, file), position)
        else:
            unknown.append(raw)
    _check_complete(index, targets, status, unknown, file)
    assert status is not None
    return Layout(
        index=index,
        targets=dict(sorted(targets.items())),
        status_index=status[1],
        fiscal_year=status[0],
        headings=list(header),
    )


def _place(found: dict[Any, int], key: object, position: int, raw: str, file: str) -> None:
    if key in found:
        raise InputError(
            f"列「{raw}」が二つあります / column '{raw}' appears twice",
            file=file,
            row=1,
            column=raw,
        )
    found[key] = position


def _year(digits: str, raw: str, file: str) -> int:
    """The Gregorian fiscal year of a heading's 令和 year.

    :raises InputError: the year is not 令和1–99 (names the column).
    """
    reiwa = int(digits) if len(digits) <= 2 else 0
    if reiwa not in REIWA_YEARS:
        raise InputError(
            f"見出しの年度（令和{digits}年度）がありえません。令和1～99年度で書いてください / the "
            f"heading's year 令和{digits} is not a fiscal year (令和1–99, i.e. "
            f"{fiscal_year(1)}–{fiscal_year(99)})",
            file=file,
            row=1,
            column=raw,
        )
    return fiscal_year(reiwa)


def _check_complete(
    index: dict[str, int],
    targets: dict[int, int],
    status: tuple[int, int] | None,
    unknown: list[str],
    file: str,
) -> None:
    missing = [c.heading for c in FIXED_COLUMNS if c.name not in index]
    if status is None:
        missing.append("令和○年度取組状況")
    if not targets:
        missing.append("目標値Ｒ○")
    if missing:
        hint = f" (unrecognised: {', '.join(repr(u) for u in unknown)})" if unknown else ""
        raise InputError(
            f"列がありません: {'、'.join(missing)} / missing column(s) {', '.join(missing)}{hint}",
            file=file,
            row=1,
        )
    if unknown:
        names = ", ".join(repr(u) for u in unknown)
        raise InputError(
            f"知らない列があります: {names} / unrecognised column(s) {names}", file=file, row=1
        )


@dataclass(frozen=True)
class Row:
    """One data row. ``number`` is the row number of the table as a CSV (header = 1)."""

    number: int
    cells: dict[str, str]  # column name → text
    targets: dict[int, str]  # fiscal year → printed target
    status: str

    def list(self, name: str) -> list[str]:
        text = self.cells[name]
        return [part.strip() for part in text.split(LIST_SEPARATOR)] if text else []


@dataclass(frozen=True)
class Table:
    """A checked table. ``file`` is what the staff edited (a CSV or a workbook);
    ``source_name`` the CSV the table is published as; ``records`` the table as CSV
    records, header first (what a workbook's download is written from)."""

    file: str
    layout: Layout
    rows: list[Row]
    warnings: list[str] = field(default_factory=list)
    source_name: str = ""
    records: list[list[str]] = field(default_factory=list, repr=False)
    stamp: dict[str, str] = field(default_factory=dict)  # a template's version stamp

    @property
    def fiscal_year(self) -> int:
        return self.layout.fiscal_year
