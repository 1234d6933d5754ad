"""One worksheet, read in one streaming pass: its stored values, and what else it holds.

The part is parsed with defusedxml (:func:`converter.workbook.archive.parse_part`); each
row's XML is released once its cells are taken, so memory holds the table's values only.
Shared strings and number formats come resolved from the :class:`Archive`; a number in a
date format becomes a date, as openpyxl would make it (the reader then refuses it).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from xml.etree.ElementTree import Element

from openpyxl.styles.numbers import is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel
from openpyxl.utils.escape import unescape

from converter.errors import InputError
from converter.workbook.archive import (
    MAIN,
    MAX_COLUMNS,
    MAX_ROWS,
    Archive,
    parse_part,
    string_text,
)

_V, _F, _IS = f"{MAIN}v", f"{MAIN}f", f"{MAIN}is"


@dataclass(frozen=True, slots=True)
class Cell:
    """A stored cell: its value as the file stores it, and how Excel shows it."""

    column: int  # 1-based
    value: object  # str, int, float, bool, datetime or None
    number_format: str
    data_type: str  # "s" text, "n" number, "b" boolean, "e" error, "d" date
    formula_without_value: bool = False


@dataclass
class SheetScan:
    """One worksheet: its rows of cells (by row number), and what it holds besides values."""

    rows: dict[int, list[Cell]] = field(default_factory=dict)
    hidden_rows: list[int] = field(default_factory=list)
    hidden_columns: list[tuple[int, int]] = field(default_factory=list)  # (min, max), 1-based
    merged: list[str] = field(default_factory=list)
    max_row: int = 0  # of cells with a value or a formula
    max_column: int = 0


def read_sheet(book: Archive, part: str) -> SheetScan:
    """Parse one worksheet: its cells and what else it holds, in one streaming pass.

    :raises InputError: the part is missing or damaged, or declares a DTD or entities.
    """
    with zipfile.ZipFile(book.path) as archive:
        if part not in archive.namelist():
            raise InputError(
                f"ブックに {part} がありません / {part} is missing", file=book.path.name
            )
        with archive.open(part) as stream:
            scanner = _SheetScanner(book)
            return parse_part(stream, part, book.path.name, scanner)


class _SheetScanner:
    """A worksheet's cells by row, and its hidden rows and columns and merged ranges."""

    def __init__(self, book: Archive) -> None:
        self.book = book
        self.scan = SheetScan()
        self.cells: list[Cell] = []
        self.row = 0

    def end(self, element: Element) -> None:
        tag = element.tag
        if tag == f"{MAIN}c":
            self._cell(element)
        elif tag == f"{MAIN}row":
            self.row = int(element.get("r") or self.row + 1)
            if element.get("hidden") in ("1", "true"):
                self.scan.hidden_rows.append(self.row)
            if self.cells:
                self.scan.rows[self.row] = self.cells
                self.scan.max_row = self.row
            self.cells = []
            element.clear()  # the row is done with: memory stays flat
        elif tag == f"{MAIN}col" and element.get("hidden") in ("1", "true"):
            self.scan.hidden_columns.append(
                (int(element.get("min") or 0), int(element.get("max") or 0))
            )
        elif tag == f"{MAIN}mergeCell":
            self.scan.merged.append(element.get("ref") or "?")

    def _cell(self, element: Element) -> None:
        formula = inline = None
        text: str | None = None
        for child in element:  # one pass over <f>, <v>, <is>
            tag = child.tag
            if tag == _V:
                text = child.text
            elif tag == _F:
                formula = child
            elif tag == _IS:
                inline = child
        if formula is None and not text and inline is None:
            return  # a formatted empty cell
        ref = element.get("r")
        row, column = _split(ref) if ref else (self.row + 1, 0)
        if not column:
            column = self.cells[-1].column + 1 if self.cells else 1
        if row > MAX_ROWS or column > MAX_COLUMNS:
            raise _too_far(row, column, self.book.path.name)
        style = int(element.get("s") or 0)
        formats = self.book.formats
        number_format = formats[style] if style < len(formats) else "General"
        kind = element.get("t") or "n"
        value = _value(kind, text, inline, number_format, self.book)
        data_type = {"s": "s", "inlineStr": "s", "str": "s", "b": "b", "e": "e"}.get(kind, "n")
        missing = formula is not None and not text and inline is None
        self.cells.append(Cell(column, value, number_format, data_type, missing))
        self.scan.max_column = max(self.scan.max_column, column)

    def result(self) -> SheetScan:
        return self.scan


def _value(kind: str, text: str | None, inline: Element | None, fmt: str, book: Archive) -> object:
    """The stored value: text, a number, a boolean or a date (as openpyxl would give it)."""
    if kind == "inlineStr":
        return string_text(inline) if inline is not None else ""
    if text is None or text == "":
        return None
    if kind == "s":
        index = int(text)
        return book.shared[index] if 0 <= index < len(book.shared) else ""
    if kind in ("str", "e"):
        return unescape(text)
    if kind == "b":
        return text in ("1", "true")
    if kind == "d":
        return datetime.fromisoformat(text)
    number = float(text)
    if is_date_format(fmt):
        return from_excel(number, CALENDAR_MAC_1904 if book.date1904 else CALENDAR_WINDOWS_1900)
    return int(number) if number.is_integer() and "." not in text and "E" not in text else number


def _too_far(row: int, column: int, file: str) -> InputError:
    return InputError(
        f"値のあるセルが {row:,} 行目・{column} 列目にあります（上限 {MAX_ROWS:,} 行・"
        f"{MAX_COLUMNS} 列）。表の下や右にあるものを削除してください / a cell with a value at "
        f"row {row:,}, column {column} (at most {MAX_ROWS:,} rows and {MAX_COLUMNS} columns): "
        "delete what is below or right of the table",
        file=file,
    )


def _split(ref: str) -> tuple[int, int]:
    """("S12") → (12, 19)."""
    match = _REF.match(ref)
    if not match:
        return 0, 0
    column = 0
    for letter in match[1].upper():
        column = column * 26 + ord(letter) - 64
    return int(match[2]), column


_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")
