"""Read the source table from UTF-8 CSV, CP932 / Shift_JIS CSV or an Excel workbook."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from converter.cells import (
    MAX_FILE_BYTES,
    check_cells,
    check_kpi_less_row,
    fit_to_header,
)
from converter.encoding import decode
from converter.errors import InputError, Problems, TableProblems
from converter.table import (
    FIXED_COLUMNS,
    Layout,
    Row,
    Table,
    layout_from_header,
    source_csv_name,
)
from converter.workbook.sheet import WORKBOOK_SUFFIXES, check_edition, read_workbook

__all__ = ["Row", "Table", "read_table"]


def read_table(
    path: Path,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    problems: Problems | None = None,
) -> Table:
    """Read and shape-check a table; cells are stripped, nothing else is changed.

    A CSV (UTF-8 with or without BOM, or CP932) or a workbook (``.xlsx``: the template
    of :mod:`converter.workbook`, or a sheet laid out like the CSV). Every problem of
    the table is gathered into ``problems``; without one, they are raised here.

    ``max_bytes`` refuses a file that cannot be a yearly table (the real one is 49 KiB);
    the build benchmark raises it for its synthetic 1000× table.

    :raises InputError: unreadable file, wrong encoding, bad header or template stamp.
    :raises TableProblems: (without ``problems``) every malformed cell and row at once.
    """
    path = Path(path)
    found = Problems(path.name) if problems is None else problems
    try:
        table = _read(path, encoding, sheet, max_bytes, found)
    except TableProblems:
        raise
    except InputError as error:
        if not found.found:
            raise
        found.add(error)  # a problem that stops the reading joins those found before it
        found.raise_if_any()
        raise
    if problems is None:
        found.raise_if_any()
    return table


def _read(
    path: Path, encoding: str | None, sheet: str | None, max_bytes: int, problems: Problems
) -> Table:
    if not path.is_file():
        raise InputError("ファイルがありません / file not found", file=str(path))
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError(
            f"ファイルが大きすぎます（{size / 2**20:.1f} MiB、上限 {max_bytes // 2**20} MiB）"
            f" / the file is {size / 2**20:.1f} MiB; a table is at most "
            f"{max_bytes // 2**20} MiB (is it the right file?)",
            file=path.name,
        )
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        book = read_workbook(path, sheet=sheet, problems=problems)
        if not any(any(cell.strip() for cell in record) for record in book.records):
            raise InputError(
                "シートが空です / the sheet is empty", file=path.name, sheet=problems.sheet
            )
        table = _table(path.name, book.records, lines=None, problems=problems, keep=True)
        check_edition(book.stamp, table.fiscal_year, path.name)
        table.warnings.extend(book.warnings)
        table.stamp.update(book.stamp)
        return table
    text = decode(path.read_bytes(), path.name, encoding)
    if not text.strip():
        raise InputError("ファイルが空です / the file is empty", file=path.name)
    records, lines = _csv_records(path.name, text)
    table = _table(path.name, records, lines=lines, problems=problems)
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


def _table(
    file: str,
    records: list[list[str]],
    *,
    lines: list[tuple[int, int]] | None,
    problems: Problems,
    keep: bool = False,
) -> Table:
    """Check the records and make rows; ``lines`` is None for a workbook (cells by position).

    ``keep`` keeps the records in the table (a workbook's download is written from them).
    """
    while records and not any(cell.strip() for cell in records[-1]):
        records.pop()  # trailing empty rows are spreadsheet noise
    if not records:
        raise InputError("ファイルが空です / the file is empty", file=file)
    header = [cell.strip() for cell in records[0]]
    check_cells(file, records, header, problems)
    layout = layout_from_header(header, file=file)
    if len(records) == 1:
        raise InputError(
            "見出しの行だけで、データの行がありません / the table has a header but no data rows",
            file=file,
        )
    problems.projects.update(_project_labels(layout, records))
    rows = []
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        span = lines[number - 1] if lines is not None else None
        with problems.gather():
            fitted = fit_to_header(file, header, number, record, span)
            rows.append(_row(file, layout, number, fitted, problems))
    return Table(
        file=file,
        layout=layout,
        rows=rows,
        source_name=source_csv_name(file),
        records=records if keep else [],
    )


def _project_labels(layout: Layout, records: list[list[str]]) -> dict[int, str]:
    """Each row's 事業No as typed; for a 再掲 row, with the project it re-lists."""
    number, reference = layout.index["project_no"], layout.index["relisting_of"]
    labels = {}
    for row, record in enumerate(records[1:], start=2):
        text = record[number].strip() if number < len(record) else ""
        if text == "再掲" and reference < len(record) and record[reference].strip():
            text = f"再掲（{record[reference].strip()}）"
        if text:
            labels[row] = text
    return labels


def _row(file: str, layout: Layout, number: int, record: list[str], problems: Problems) -> Row:
    for position, cell in enumerate(record[: len(layout.headings)]):
        if "\n" in cell or "\r" in cell:
            problems.add(
                InputError(
                    "セルに改行があります。1セルは1行で書きます（PDF の折り返しは値に含めません）"
                    " / contains a line break; the table keeps each cell on one line "
                    "(PDF wraps are not part of the value)",
                    file=file,
                    row=number,
                    column=layout.headings[position],
                )
            )
    cells = {name: record[i].strip() for name, i in layout.index.items()}
    for column in FIXED_COLUMNS:
        if column.required and not cells[column.name]:
            problems.add(
                InputError(
                    "空欄にはできません / must not be empty",
                    file=file,
                    row=number,
                    column=column.heading,
                )
            )
    targets = {year: record[i].strip() for year, i in layout.targets.items()}
    check_kpi_less_row(file, layout, number, cells, targets, problems)
    return Row(
        number=number, cells=cells, targets=targets, status=record[layout.status_index].strip()
    )
