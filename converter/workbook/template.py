"""Write the template for the next edition with openpyxl, from the schema and the table of
the edition it carries forward (never by re-saving a workbook someone edited: openpyxl
drops what it does not know, such as Excel's own dropdowns and cached values).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from converter.era import edition_label
from converter.orgs import OrgRegister
from converter.table import NO_KPI, Table
from converter.workbook.instructions import write_instructions
from converter.workbook.schema import (
    DROP,
    EVALUATIONS,
    GOAL_KINDS,
    HELP,
    INPUT_SHEET,
    KEEP,
    KEEP_HEADING,
    KEEP_HELP,
    LISTS_SHEET,
    SPARE_ROWS,
    Help,
    Role,
    role,
    status_heading,
    status_help,
    target_help,
)

AUTHOR = "福島県 行政DX LOD"
TEXT = "@"  # Excel's "文字列" number format: what is typed stays as typed
FILLS = {
    Role.IDENTIFYING: PatternFill("solid", fgColor="D9D9D9"),  # grey: locked
    Role.INPUT: PatternFill("solid", fgColor="FFF2CC"),  # yellow: to fill in
    Role.KEEP: PatternFill("solid", fgColor="DDEBF7"),  # blue: keep or drop
}
HEADING_FILL = PatternFill("solid", fgColor="1F4E78")
WIDTHS = {"summary": 40, "goal": 40, "status": 44, "project_name": 30, "item_name": 22,
          "measure_name": 22, "kpi_name": 24}  # fmt: skip


@dataclass(frozen=True)
class Column:
    heading: str
    name: str  # the CSV name, "target" or "status", or "keep"
    role: Role
    help: Help
    source: int | None  # position in the source table (None: the 掲載 column)


@dataclass(frozen=True)
class TemplateSummary:
    rows: int
    spare_rows: int
    columns: list[Column]
    input_ranges: list[str]  # "S2:S66 (実績値)"


def columns_for(table: Table, year: int) -> list[Column]:
    """The input sheet's columns: the source table's, in its order, the status heading
    moved on to ``year``, then 「掲載」."""
    layout = table.layout
    names = {position: name for name, position in layout.index.items()}
    targets = {position: target for target, position in layout.targets.items()}
    columns = []
    for position, heading in enumerate(layout.headings):
        if position in names:
            name = names[position]
            columns.append(Column(heading, name, role(name), HELP[name], position))
        elif position in targets:
            help_ = target_help(targets[position])
            columns.append(Column(heading, "target", Role.CARRIED, help_, position))
        elif position == layout.status_index:
            heading = status_heading(year)
            columns.append(Column(heading, "status", Role.INPUT, status_help(year), position))
    columns.append(Column(KEEP_HEADING, "keep", Role.KEEP, KEEP_HELP, None))
    return columns


def write_template(
    table: Table, register: OrgRegister, stamp: dict[str, str], year: int, out: Path
) -> TemplateSummary:
    """Write the workbook for the edition of ``year`` carried forward from ``table``.

    The file appears whole or not at all (written beside ``out``, then renamed).

    :raises OSError: ``out`` cannot be written.
    """
    columns = columns_for(table, year)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = INPUT_SHEET
    _headings(sheet, columns)
    records = [_record(row_cells, columns) for row_cells in _source_rows(table)]
    last = 1 + len(records) + SPARE_ROWS
    _body(sheet, columns, records, last)
    _lists(book, register)
    _validations(sheet, columns, last)
    _protect(sheet)
    write_instructions(book, stamp, year)
    # Sheets cannot be added, renamed, moved or unhidden: the values stay on 「入力」.
    book.security = WorkbookProtection(lockStructure=True)
    for key, value in stamp.items():
        book.custom_doc_props.append(StringProperty(name=key, value=value))
    book.properties.title = f"{edition_label(year)} 入力用ブック / FY{year} edition workbook"
    book.properties.creator = AUTHOR
    _save(book, Path(out))
    ranges = [
        f"{get_column_letter(i)}2:{get_column_letter(i)}{len(records) + 1}（{c.heading}）"
        for i, c in enumerate(columns, start=1)
        if c.role is Role.INPUT
    ]
    return TemplateSummary(len(records), SPARE_ROWS, columns, ranges)


def _source_rows(table: Table) -> list[list[str]]:
    """The carried-forward rows as the source table printed them (by position)."""
    layout = table.layout
    rows = []
    for row in table.rows:
        cells = [""] * len(layout.headings)
        for name, position in layout.index.items():
            cells[position] = row.cells[name]
        for target, position in layout.targets.items():
            cells[position] = row.targets[target]
        cells[layout.status_index] = row.status
        rows.append(cells)
    return rows


def _record(cells: list[str], columns: list[Column]) -> list[str]:
    """One sheet row: carried values kept, the new edition's inputs empty, 掲載する."""
    out = []
    for column in columns:
        if column.role is Role.KEEP:
            out.append(KEEP)
        elif column.role is Role.INPUT or column.source is None:
            out.append("")
        else:
            out.append(cells[column.source])
    return out


def _headings(sheet: Worksheet, columns: list[Column]) -> None:
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=column.heading)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADING_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        note = Comment(column.help.note(column.heading), AUTHOR)
        note.width, note.height = 320, 200
        cell.comment = note
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS.get(column.name, 12)
    sheet.row_dimensions[1].height = 36
    sheet.freeze_panes = "C2"  # the headings and 事業No, 再掲元 stay in view
    _print_setup(sheet)


def _print_setup(sheet: Worksheet) -> None:
    """Printed (or made a PDF of): A3 landscape, one page wide, the headings on each page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A3
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.print_title_rows = "1:1"


def _body(sheet: Worksheet, columns: list[Column], records: list[list[str]], last: int) -> None:
    """The carried rows, then the spare rows; every cell text-formatted. A carried row
    without a KPI has no 実績値 or 評価 to fill in: those two cells are locked and grey."""
    unlocked, locked = Protection(locked=False), Protection(locked=True)
    kpi_at = next(i for i, c in enumerate(columns) if c.name == "kpi_no")
    for row in range(2, last + 1):
        values = records[row - 2] if row - 2 < len(records) else None
        without_kpi = values is not None and values[kpi_at].strip() in NO_KPI
        for index, column in enumerate(columns, start=1):
            cell = sheet.cell(row=row, column=index)
            if values is not None and values[index - 1] != "":
                cell.value = values[index - 1]
            cell.number_format = TEXT
            kind = _kind(column, carried=values is not None, without_kpi=without_kpi)
            cell.protection = locked if kind is Role.IDENTIFYING else unlocked
            fill = FILLS.get(kind)
            if fill is not None:
                cell.fill = fill


def _kind(column: Column, *, carried: bool, without_kpi: bool) -> Role:
    """How a cell behaves: a spare row's cells are all open (a new project's)."""
    if not carried:
        return Role.CARRIED
    if without_kpi and column.name in ("actual", "evaluation"):
        return Role.IDENTIFYING  # locked and grey: a row without a KPI holds no values
    return column.role


def _lists(book: Workbook, register: OrgRegister) -> None:
    """The hidden list sheet and the names the dropdowns use: 評価一覧, 掲載一覧, 目標区分一覧,
    部一覧, 部表 (部 → the name of its 課 list) and one 課_<部> list per 部."""
    sheet = book.create_sheet(LISTS_SHEET)
    sheet.sheet_state = "hidden"
    sheet.protection.sheet = True
    fixed = {"A": ("評価一覧", EVALUATIONS), "B": ("掲載一覧", (KEEP, DROP)),
             "C": ("目標区分一覧", GOAL_KINDS)}  # fmt: skip
    for letter, (name, values) in fixed.items():
        _column(book, sheet, letter, name, list(values))
    departments = list(register.departments.values())
    keys = [f"課_{d.path.replace('-', '_')}" for d in departments]
    _column(book, sheet, "E", "部一覧", [d.name for d in departments])
    for row, key in enumerate(keys, start=2):
        sheet.cell(row=row, column=6, value=key)
    _name(book, "部表", f"$E$2:$F${len(departments) + 1}")
    for offset, (department, key) in enumerate(zip(departments, keys, strict=True)):
        divisions = [d.name for (parent, _), d in register.divisions.items()
                     if parent == department.name]  # fmt: skip
        _column(book, sheet, get_column_letter(8 + offset), key, divisions or [""])


def _column(book: Workbook, sheet: Worksheet, letter: str, name: str, values: list[str]) -> None:
    sheet[f"{letter}1"] = name
    for row, value in enumerate(values, start=2):
        sheet[f"{letter}{row}"] = value
    _name(book, name, f"${letter}$2:${letter}${len(values) + 1}")


def _name(book: Workbook, name: str, cells: str) -> None:
    book.defined_names[name] = DefinedName(
        name, attr_text=f"{quote_sheetname(LISTS_SHEET)}!{cells}"
    )


def _validations(sheet: Worksheet, columns: list[Column], last: int) -> None:
    """Dropdowns: 評価, 掲載 and 目標区分 refuse other values; 部 and 課 only warn, since a
    project of two departments is typed as "総務部;企画調整部". 課 lists its 部's."""
    where = {column.name: get_column_letter(i) for i, column in enumerate(columns, start=1)}
    department = where["department"]
    rules = [
        ("evaluation", "=評価一覧", "stop"),
        ("keep", "=掲載一覧", "stop"),
        ("goal_kind", "=目標区分一覧", "stop"),
        ("department", "=部一覧", "warning"),
        ("division", f"=INDIRECT(VLOOKUP(${department}2,部表,2,FALSE))", "warning"),
    ]
    for name, formula, style in rules:
        rule = DataValidation(type="list", formula1=formula, allow_blank=True)
        rule.errorStyle = style
        rule.showErrorMessage = True
        rule.errorTitle = "一覧にない値 / not in the list"
        rule.error = _VALIDATION_ERRORS[style]
        sheet.add_data_validation(rule)
        rule.add(f"{where[name]}2:{where[name]}{last}")


_VALIDATION_ERRORS = {
    "stop": "一覧から選んでください。 / Pick a value from the list.",
    "warning": (
        "一覧にない値です。二つの部・課は「;」で区切ります。新しい部・課は先に organizations.csv "
        "へ。 / Not in the list. Two are separated by ';'; a new one must first be added to "
        "organizations.csv."
    ),
}


def _protect(sheet: Worksheet) -> None:
    """Protect the sheet (no password: it prevents accidents, not edits): locked cells are
    the identifying columns of the carried rows; columns and rows can still be resized."""
    protection = sheet.protection
    protection.sheet = True
    protection.formatColumns = False
    protection.formatRows = False
    protection.selectLockedCells = False
    protection.selectUnlockedCells = False


def _save(book: Workbook, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".xlsx", dir=out.parent)
    os.close(handle)
    try:
        book.save(temporary)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
