"""Open a workbook within fixed bounds, before any spreadsheet library sees it.

An ``.xlsx`` file is a zip of XML parts. Before openpyxl reads it, every part is checked
here: the number of members, each member's and the total size once inflated (zipfile never
reads past a member's stated size, and the stated sizes are checked first), the inflation
ratio (a zip bomb), and every XML part is parsed by defusedxml with DTDs forbidden (no
entity, so no "billion laughs", and no external entity, so no XXE; Excel never writes a
DTD). The same streaming pass notes what the reader must refuse in a worksheet: hidden rows
and columns, merged ranges, formulas without a stored value, and how far the cells go.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from converter.errors import InputError

MAX_MEMBERS = 256  # a template has 13 parts; Excel and LibreOffice add a few
MAX_MEMBER_BYTES = 64 * 2**20  # one part, inflated (the 100× workbook's sheet: ~12 MiB)
MAX_SHARED_STRINGS_BYTES = 16 * 2**20  # held in memory whole by openpyxl
MAX_TOTAL_BYTES = 160 * 2**20  # all parts, inflated
MAX_RATIO = 100  # inflated / compressed, for parts over RATIO_FROM bytes
RATIO_FROM = 2**20
MAX_ROWS = 20_000  # rows with a value; the 100× table has 6,501
MAX_COLUMNS = 64  # the template has 26

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CUSTOM = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"
_MACRO_TYPES = ("macroEnabled", "vbaProject")
_XML_SUFFIXES = (".xml", ".rels", ".vml")


@dataclass
class SheetScan:
    """What one worksheet part holds besides its values."""

    hidden_rows: list[int] = field(default_factory=list)
    hidden_columns: list[tuple[int, int]] = field(default_factory=list)  # (min, max), 1-based
    merged: list[str] = field(default_factory=list)
    formulas_without_value: set[str] = field(default_factory=set)  # "S12"
    max_row: int = 0  # of cells with a value or a formula
    max_column: int = 0


@dataclass
class Archive:
    """A checked workbook: its sheets in order (name, state, part), custom properties and
    the scan of each worksheet part."""

    sheets: list[tuple[str, str, str]]
    properties: dict[str, str]
    scans: dict[str, SheetScan]


def open_archive(path: Path) -> Archive:
    """Check every member of the workbook at ``path`` and scan its worksheets.

    :raises InputError: not an ``.xlsx`` workbook, macros, too large once inflated, too
        many members, or XML with a DTD or entities.
    """
    file = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            members = _check_members(archive, file)
            return _scan(archive, members, file)
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


def _scan(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], file: str) -> Archive:
    """Parse every XML member with defusedxml; keep what the reader needs."""
    parts: dict[str, list[Element]] = {}
    scans: dict[str, SheetScan] = {}
    for info in members:
        name = info.filename
        if not name.lower().endswith(_XML_SUFFIXES):
            continue
        with archive.open(info) as stream:
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                scans[name] = _parse(stream, name, file, _SheetScanner())
            elif name in _KEPT:
                parts[name] = _parse(stream, name, file, _Keeper())
            else:
                _parse(stream, name, file, None)
    _refuse_macro_types(parts.get("[Content_Types].xml", []), file)
    return Archive(_sheets(parts), _properties(parts.get("docProps/custom.xml", [])), scans)


_KEPT = ("[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
         "docProps/custom.xml")  # fmt: skip


class _Keeper:
    """Keeps the (few, small) elements of a part the reader looks at."""

    def __init__(self) -> None:
        self.found: list[Element] = []

    def end(self, element: Element) -> None:
        if element.tag.endswith(("}Override", "}Default", "}sheet", "}Relationship",
                                 "}property")):  # fmt: skip
            self.found.append(element)

    def result(self) -> list[Element]:
        return self.found


class _SheetScanner:
    """Notes hidden rows and columns, merged ranges, formulas without a value, extent."""

    def __init__(self) -> None:
        self.scan = SheetScan()

    def end(self, element: Element) -> None:
        tag = element.tag
        if tag == f"{_MAIN}c":
            self._cell(element)
        elif tag == f"{_MAIN}row":
            if element.get("hidden") in ("1", "true"):
                self.scan.hidden_rows.append(int(element.get("r") or 0))
            element.clear()  # the rows are done with: memory stays flat
        elif tag == f"{_MAIN}col" and element.get("hidden") in ("1", "true"):
            self.scan.hidden_columns.append(
                (int(element.get("min") or 0), int(element.get("max") or 0))
            )
        elif tag == f"{_MAIN}mergeCell":
            self.scan.merged.append(element.get("ref") or "?")

    def _cell(self, element: Element) -> None:
        formula = element.find(f"{_MAIN}f")
        value = element.find(f"{_MAIN}v")
        inline = element.find(f"{_MAIN}is")
        has_value = (value is not None and (value.text or "") != "") or inline is not None
        if formula is None and not has_value:
            return  # a formatted empty cell
        ref = element.get("r") or ""
        row, column = _split(ref)
        self.scan.max_row = max(self.scan.max_row, row)
        self.scan.max_column = max(self.scan.max_column, column)
        if formula is not None and not has_value:
            self.scan.formulas_without_value.add(ref)

    def result(self) -> SheetScan:
        return self.scan


def _split(ref: str) -> tuple[int, int]:
    """("S12") → (12, 19)."""
    letters = "".join(c for c in ref if c.isalpha()).upper()
    digits = "".join(c for c in ref if c.isdigit())
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter) - 64
    return int(digits or 0), column


def _parse(stream: IO[bytes], name: str, file: str, handler: _Keeper | _SheetScanner | None) -> Any:
    """Stream one XML part through defusedxml; ``handler`` sees each finished element."""
    try:
        for _, element in iterparse(stream, events=("end",), forbid_dtd=True):
            if handler is None:
                element.clear()  # nothing kept: memory stays flat
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
