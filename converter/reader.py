"""Read the source table from UTF-8 CSV, CP932 / Shift_JIS CSV or an Excel workbook."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from converter.errors import InputError
from converter.table import FIXED_COLUMNS, LIST_SEPARATOR, Layout, layout_from_header

ENCODINGS = ("utf-8", "cp932")  # tried in this order when none is given


@dataclass(frozen=True)
class Row:
    """One data row. ``number`` is the row number a spreadsheet shows (header = 1)."""

    number: int
    cells: dict[str, str]  # column name → text
    targets: dict[int, str]  # fiscal year → printed target
    status: str

    def list(self, name: str) -> list[str]:
        text = self.cells[name]
        return [part.strip() for part in text.split(LIST_SEPARATOR)] if text else []


@dataclass(frozen=True)
class Table:
    file: str
    layout: Layout
    rows: list[Row]

    @property
    def fiscal_year(self) -> int:
        return self.layout.fiscal_year


def read_table(path: Path, *, encoding: str | None = None, sheet: str | None = None) -> Table:
    """Read and shape-check a table; cells are stripped, nothing else is changed.

    :raises InputError: unreadable file, wrong encoding, bad header, malformed cells.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", file=str(path))
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        records = _xlsx_records(path, sheet)
    else:
        records = _csv_records(path, encoding)
    return _table(path.name, records)


def _decode(path: Path, data: bytes, encoding: str | None) -> str:
    if encoding:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise InputError(f"cannot be read as {encoding}: {exc}", file=path.name) from exc
    for candidate in ENCODINGS:
        try:
            text = data.decode(candidate)
        except UnicodeDecodeError:
            continue
        return text.removeprefix("\ufeff")
    raise InputError(
        "is neither UTF-8 nor CP932 (Shift_JIS); save it as UTF-8 CSV or give --encoding",
        file=path.name,
    )


def _csv_records(path: Path, encoding: str | None) -> list[list[str]]:
    text = _decode(path, path.read_bytes(), encoding)
    if not text.strip():
        raise InputError("the file is empty", file=path.name)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        return list(reader)
    except csv.Error as exc:
        raise InputError(f"not valid CSV: {exc}", file=path.name, row=reader.line_num) from exc


def _xlsx_records(path: Path, sheet: str | None) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many unrelated types
        raise InputError(f"not a readable .xlsx workbook: {exc}", file=path.name) from exc
    if sheet is not None and sheet not in workbook.sheetnames:
        raise InputError(
            f"no sheet named '{sheet}' (sheets: {', '.join(workbook.sheetnames)})", file=path.name
        )
    worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
    where = f"{path.name} [{worksheet.title}]"
    if worksheet.merged_cells.ranges:
        ranges = ", ".join(sorted(str(r) for r in worksheet.merged_cells.ranges))
        raise InputError(
            f"merged cells {ranges}: unmerge them and keep the value in the first cell", file=where
        )
    records = [[_xlsx_text(cell) for cell in row] for row in worksheet.iter_rows()]
    if not any(any(cell for cell in record) for record in records):
        raise InputError("the sheet is empty", file=where)
    return records


def _xlsx_text(cell: object) -> str:
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    if isinstance(value, float):
        # A percentage typed as 48.2% is stored as 0.482 with a "%" number format.
        if "%" in str(getattr(cell, "number_format", "")):
            return f"{value * 100:g}%"
        return f"{value:g}" if value != int(value) else str(int(value))
    return str(value)


def _table(file: str, records: list[list[str]]) -> Table:
    while records and not any(cell.strip() for cell in records[-1]):
        records.pop()  # trailing empty rows are spreadsheet noise
    if not records:
        raise InputError("the file is empty", file=file)
    layout = layout_from_header([cell.strip() for cell in records[0]], file=file)
    if len(records) == 1:
        raise InputError("the table has a header but no data rows", file=file)
    width = len(layout.headings)
    rows = []
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > width and any(cell.strip() for cell in record[width:]):
            raise InputError(
                f"has {len(record)} cells but the header has {width}", file=file, row=number
            )
        record = record + [""] * (width - len(record))
        rows.append(_row(file, layout, number, record))
    return Table(file=file, layout=layout, rows=rows)


def _row(file: str, layout: Layout, number: int, record: list[str]) -> Row:
    for position, cell in enumerate(record[: len(layout.headings)]):
        if "\n" in cell or "\r" in cell:
            raise InputError(
                "contains a line break; the table keeps each cell on one line "
                "(PDF wraps are not part of the value)",
                file=file,
                row=number,
                column=layout.headings[position],
            )
    cells = {name: record[i].strip() for name, i in layout.index.items()}
    for column in FIXED_COLUMNS:
        if column.required and not cells[column.name]:
            raise InputError("must not be empty", file=file, row=number, column=column.heading)
    targets = {year: record[i].strip() for year, i in layout.targets.items()}
    return Row(
        number=number, cells=cells, targets=targets, status=record[layout.status_index].strip()
    )
