"""Read the source table from UTF-8 CSV, CP932 / Shift_JIS CSV or an Excel workbook."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from converter.cells import (
    MAX_FILE_BYTES,
    check_cells,
    check_kpi_less_row,
    fit_to_header,
)
from converter.encoding import decode
from converter.errors import InputError
from converter.table import FIXED_COLUMNS, LIST_SEPARATOR, Layout, layout_from_header


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
    warnings: list[str] = field(default_factory=list)

    @property
    def fiscal_year(self) -> int:
        return self.layout.fiscal_year


def read_table(
    path: Path,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    max_bytes: int = MAX_FILE_BYTES,
) -> Table:
    """Read and shape-check a table; cells are stripped, nothing else is changed.

    ``max_bytes`` refuses a file that cannot be a yearly table (the real one is 49 KiB);
    the build benchmark raises it for its synthetic 1000× table.

    :raises InputError: unreadable file, wrong encoding, bad header, malformed cells.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", file=str(path))
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError(
            f"ファイルが大きすぎます（{size / 2**20:.1f} MiB、上限 {max_bytes // 2**20} MiB）"
            f" / the file is {size / 2**20:.1f} MiB; a table is at most "
            f"{max_bytes // 2**20} MiB (is it the right file?)",
            file=path.name,
        )
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _table(path.name, _xlsx_records(path, sheet), lines=None)
    text = decode(path.read_bytes(), path.name, encoding)
    if not text.strip():
        raise InputError("the file is empty", file=path.name)
    records, lines = _csv_records(path.name, text)
    table = _table(path.name, records, lines=lines)
    if not text.endswith(("\n", "\r")):
        # Excel and LibreOffice end every row with a line break; a copy cut inside the last
        # cell has the right shape and only this to show for it.
        table.warnings.append(
            f"{path.name} row {len(records)}: ファイルが改行で終わっていません。途中で切れて"
            "いないか確かめてください / the file does not end with a line break: check that it "
            "was not cut short (the last cell is kept as it is)"
        )
    return table


def _csv_records(file: str, text: str) -> tuple[list[list[str]], list[tuple[int, int]]]:
    """The records and the physical lines (first, last) each one spans."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[list[str]] = []
    lines: list[tuple[int, int]] = []
    while True:
        first = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return records, lines
        except csv.Error as exc:
            # The record that fails is the one whose quote opened; name that row, not the
            # line where the parser gave up.
            raise InputError(
                _csv_problem(str(exc), first, reader.line_num), file=file, row=len(records) + 1
            ) from exc
        records.append(record)
        lines.append((first, reader.line_num))


def _csv_problem(error: str, first: int, last: int) -> str:
    if "field larger than field limit" in error:
        return (
            f"セルが長すぎます（{csv.field_size_limit():,} 文字超） / a cell is longer than "
            f"{csv.field_size_limit():,} characters (line {first})"
        )
    if "unexpected end of data" in error:
        return (
            f'{first}行目で開いた引用符（"）がファイルの終わりまで閉じていません / a quote (") '
            f"opened on line {first} is never closed (the file ends inside it): close it, or "
            'double a quote inside a cell ("")'
        )
    if last > first:
        return (
            f'{first}行目で開いた引用符（"）が{last}行目まで閉じていません / a quote (") opened '
            f"on line {first} runs to line {last}: close it where the cell ends, or double a "
            f'quote inside a cell ("") ({error})'
        )
    return f"CSV として読めません / not valid CSV: {error} (line {first})"


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


def _table(file: str, records: list[list[str]], *, lines: list[tuple[int, int]] | None) -> Table:
    """Check the records and make rows; ``lines`` is None for a workbook (cells by position)."""
    while records and not any(cell.strip() for cell in records[-1]):
        records.pop()  # trailing empty rows are spreadsheet noise
    if not records:
        raise InputError("the file is empty", file=file)
    header = [cell.strip() for cell in records[0]]
    check_cells(file, records, header)
    layout = layout_from_header(header, file=file)
    if len(records) == 1:
        raise InputError("the table has a header but no data rows", file=file)
    rows = []
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        span = lines[number - 1] if lines is not None else None
        rows.append(_row(file, layout, number, fit_to_header(file, header, number, record, span)))
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
    check_kpi_less_row(file, layout, number, cells, targets)
    return Row(
        number=number, cells=cells, targets=targets, status=record[layout.status_index].strip()
    )
