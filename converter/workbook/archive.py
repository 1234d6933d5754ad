"""Open a workbook within fixed bounds, and read its worksheet in one streaming pass.

An ``.xlsx`` file is a zip of XML parts. Every part is checked here: the number of members,
each member's and the total size once inflated (zipfile never reads past a member's stated
size, and the stated sizes are checked first), the inflation ratio (a zip bomb), and every
XML part is parsed by defusedxml with DTDs forbidden (no entity, so no "billion laughs",
and no external entity, so no XXE; Excel never writes a DTD). The worksheet read is parsed
once: its stored values (shared strings and number formats resolved with openpyxl's
tables), and what the reader must refuse besides: hidden rows and columns, merged ranges,
formulas without a stored value.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel
from openpyxl.utils.escape import unescape

from converter.errors import InputError

MAX_MEMBERS = 256  # a template has 13 parts; Excel and LibreOffice add a few
MAX_MEMBER_BYTES = 64 * 2**20  # one part, inflated (the 100× workbook's sheet: ~12 MiB)
MAX_SHARED_STRINGS_BYTES = 16 * 2**20  # held in memory whole by openpyxl
MAX_TOTAL_BYTES = 160 * 2**20  # all parts, inflated
MAX_RATIO = 100  # inflated / compressed, for parts over RATIO_FROM bytes
RATIO_FROM = 2**20
MAX_ROWS = 20_000  # rows with a value; the 100× table has 6,501
MAX_COLUMNS = 40  # the template has 26

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CUSTOM = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"
_MACRO_TYPES = ("macroEnabled", "vbaProject")
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_V, _F, _IS = f"{_MAIN}v", f"{_MAIN}f", f"{_MAIN}is"


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


@dataclass
class Archive:
    """A checked workbook: its sheets in order (name, state, part), custom properties, and
    what reading a worksheet needs (number formats by style, shared strings, epoch)."""

    path: Path
    sheets: list[tuple[str, str, str]]
    properties: dict[str, str]
    formats: list[str] = field(default_factory=list)  # by the cell's style index
    shared: list[str] = field(default_factory=list)
    date1904: bool = False


def open_archive(path: Path) -> Archive:
    """Check every member of the workbook at ``path``; parse all its XML parts but the
    worksheets, which :func:`read_sheet` and :func:`check_sheets` parse.

    :raises InputError: not an ``.xlsx`` workbook, macros, too large once inflated, too
        many members, or XML with a DTD or entities.
    """
    file = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            members = _check_members(archive, file)
            return _scan(path, archive, members, file)
    except zipfile.BadZipFile as exc:
        raise InputError(
            "Excel のブック（.xlsx）として読めません。Excel で開けるか確かめ、「Excel ブック」で"
            f"保存し直してください / not a readable .xlsx workbook: {exc}",
            file=file,
        ) from exc


def _check_members(archive: zipfile.ZipFile, file: str) -> list[zipfile.ZipInfo]:
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        count = len(members)
        raise InputError(_bound(f"部品が {count} 個", f"{count} zip members"), file=file)
    total = 0
    for info in members:
        limit = MAX_SHARED_STRINGS_BYTES if _is_shared_strings(info.filename) else MAX_MEMBER_BYTES
        if info.file_size > limit:
            raise InputError(
                _bound(
                    f"{info.filename} が展開すると {info.file_size:,} バイト",
                    f"{info.filename} inflates to {info.file_size:,} bytes (at most {limit:,})",
                ),
                file=file,
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FROM and ratio > MAX_RATIO:
            raise InputError(
                _bound(
                    f"{info.filename} が {ratio:,.0f} 倍に膨らむ（zip 爆弾）",
                    f"{info.filename} inflates {ratio:,.0f} times (a zip bomb; at most "
                    f"{MAX_RATIO})",
                ),
                file=file,
            )
        total += info.file_size
        if any(mark in info.filename for mark in _MACRO_TYPES):
            raise _macros(file)
    if total > MAX_TOTAL_BYTES:
        raise InputError(
            _bound(f"展開すると合計 {total:,} バイト", f"inflates to {total:,} bytes in all"),
            file=file,
        )
    return members


def _bound(ja: str, en: str) -> str:
    return (
        f"ブックとして大きすぎます（{ja}）。テンプレートから作り直してください / the workbook "
        f"is beyond the reader's bounds: {en}; start again from a template"
    )


def _macros(file: str) -> InputError:
    return InputError(
        "マクロを含むブック（.xlsm）は読みません。「Excel ブック（.xlsx）」で保存し直して"
        "ください / a workbook with macros (.xlsm) is not read; save it as an Excel workbook "
        "(.xlsx)",
        file=file,
    )


def _is_shared_strings(name: str) -> bool:
    return PurePosixPath(name).name.lower() == "sharedstrings.xml"


def _scan(
    path: Path, archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], file: str
) -> Archive:
    """Parse every XML member but the worksheets with defusedxml; keep what reading needs."""
    parts: dict[str, list[Element]] = {}
    shared: list[str] = []
    formats: list[str] = []
    for info in members:
        name = info.filename
        if not name.lower().endswith(_XML_SUFFIXES) or _is_worksheet(name):
            continue
        with archive.open(info) as stream:
            if name in _KEPT:
                parts[name] = _parse(stream, name, file, _Keeper())
            elif _is_shared_strings(name):
                shared = _parse(stream, name, file, _SharedStrings())
            elif name == "xl/styles.xml":
                formats = _parse(stream, name, file, _Styles(), events=("start", "end"))
            else:
                _parse(stream, name, file, None)
    _refuse_macro_types(parts.get("[Content_Types].xml", []), file)
    date1904 = any(e.get("date1904") in ("1", "true") for e in parts.get("xl/workbook.xml", []))
    properties = _properties(parts.get("docProps/custom.xml", []))
    return Archive(path, _sheets(parts), properties, formats, shared, date1904)


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
            return _parse(stream, part, book.path.name, scanner)


def check_sheets(book: Archive, read: str) -> None:
    """Parse the worksheets other than ``read`` for safety only (nothing is kept).

    :raises InputError: a part declares a DTD or entities, or is damaged.
    """
    with zipfile.ZipFile(book.path) as archive:
        for name in archive.namelist():
            if _is_worksheet(name) and name != read:
                with archive.open(name) as stream:
                    _parse(stream, name, book.path.name, None)


def _is_worksheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


_KEPT = ("[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
         "docProps/custom.xml")  # fmt: skip


class _Keeper:
    """Keeps the (few, small) elements of a part the reader looks at."""

    def __init__(self) -> None:
        self.found: list[Element] = []

    def end(self, element: Element) -> None:
        if element.tag.endswith(("}Override", "}Default", "}sheet", "}Relationship",
                                 "}property", "}workbookPr")):  # fmt: skip
            self.found.append(element)

    def result(self) -> list[Element]:
        return self.found


class _SharedStrings:
    """The shared strings' text (phonetic guides left out), each item cleared once read."""

    def __init__(self) -> None:
        self.strings: list[str] = []

    def end(self, element: Element) -> None:
        if element.tag == f"{_MAIN}si":
            self.strings.append(_text(element))
            element.clear()

    def result(self) -> list[str]:
        return self.strings


class _Styles:
    """The number format of each cell style (cellXfs), custom formats resolved."""

    def __init__(self) -> None:
        self.custom: dict[int, str] = {}
        self.ids: list[int] = []
        self.depth: list[str] = []

    def start(self, element: Element) -> None:
        self.depth.append(element.tag)

    def end(self, element: Element) -> None:
        self.depth.pop()
        if element.tag == f"{_MAIN}numFmt":
            self.custom[int(element.get("numFmtId") or 0)] = element.get("formatCode") or ""
        elif element.tag == f"{_MAIN}xf" and self.depth[-1:] == [f"{_MAIN}cellXfs"]:
            self.ids.append(int(element.get("numFmtId") or 0))

    def result(self) -> list[str]:
        return [self.custom.get(i) or BUILTIN_FORMATS.get(i, "General") for i in self.ids]


def _text(element: Element) -> str:
    """The text of a shared or inline string: its runs, without phonetic guides."""
    parts = []
    for child in element:
        if child.tag == f"{_MAIN}t":
            parts.append(child.text or "")
        elif child.tag == f"{_MAIN}r":
            parts.extend(t.text or "" for t in child if t.tag == f"{_MAIN}t")
    return unescape("".join(parts))


class _SheetScanner:
    """A worksheet's cells by row, and its hidden rows and columns and merged ranges."""

    def __init__(self, book: Archive) -> None:
        self.book = book
        self.scan = SheetScan()
        self.cells: list[Cell] = []
        self.row = 0

    def end(self, element: Element) -> None:
        tag = element.tag
        if tag == f"{_MAIN}c":
            self._cell(element)
        elif tag == f"{_MAIN}row":
            self.row = int(element.get("r") or self.row + 1)
            if element.get("hidden") in ("1", "true"):
                self.scan.hidden_rows.append(self.row)
            if self.cells:
                self.scan.rows[self.row] = self.cells
                self.scan.max_row = self.row
            self.cells = []
            element.clear()  # the row is done with: memory stays flat
        elif tag == f"{_MAIN}col" and element.get("hidden") in ("1", "true"):
            self.scan.hidden_columns.append(
                (int(element.get("min") or 0), int(element.get("max") or 0))
            )
        elif tag == f"{_MAIN}mergeCell":
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
        return _text(inline) if inline is not None else ""
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


def _parse(
    stream: IO[bytes], name: str, file: str, handler: Any, events: tuple[str, ...] = ("end",)
) -> Any:
    """Stream one XML part through defusedxml; ``handler`` sees each element (its
    ``start`` too when asked), or none is kept."""
    try:
        for event, element in iterparse(stream, events=events, forbid_dtd=True):
            if handler is None:
                element.clear()  # nothing kept: memory stays flat
            elif event == "start":
                handler.start(element)
            else:
                handler.end(element)
    except DefusedXmlException as exc:
        raise InputError(
            f"ブックの部品 {name} に DTD・実体参照・外部参照があります。Excel はこれを書きません"
            "（XML 爆弾・XXE のおそれ）。テンプレートから作り直してください / the workbook part "
            f"{name} declares a DTD, entities or external references, which Excel never "
            f"writes (an XML bomb or XXE): {type(exc).__name__}",
            file=file,
        ) from exc
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - expat and zipfile raise many types
        raise InputError(
            f"ブックの部品 {name} が壊れています / the workbook part {name} is damaged: {exc}",
            file=file,
        ) from exc
    return handler.result() if handler is not None else None


def _refuse_macro_types(types: list[Element], file: str) -> None:
    for element in types:
        if any(mark in (element.get("ContentType") or "") for mark in _MACRO_TYPES):
            raise _macros(file)


def _sheets(parts: dict[str, list[Element]]) -> list[tuple[str, str, str]]:
    """(name, state, part) of each sheet, in the workbook's order."""
    targets = {
        element.get("Id"): element.get("Target") or ""
        for element in parts.get("xl/_rels/workbook.xml.rels", [])
    }
    sheets = []
    for element in parts.get("xl/workbook.xml", []):
        if element.tag != f"{_MAIN}sheet":
            continue
        target = targets.get(element.get(f"{_REL}id"), "")
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        sheets.append((element.get("name") or "", element.get("state") or "visible", part))
    return sheets


def _properties(elements: list[Element]) -> dict[str, str]:
    """The custom document properties as text."""
    return {
        element.get("name") or "": "".join(child.text or "" for child in element)
        for element in elements
        if element.tag == f"{_CUSTOM}property"
    }
