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

import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from openpyxl.styles.numbers import BUILTIN_FORMATS
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

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CUSTOM = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"
_MACRO_TYPES = ("macroEnabled", "vbaProject")
_XML_SUFFIXES = (".xml", ".rels", ".vml")


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
    worksheets (:func:`converter.workbook.worksheet.read_sheet` reads the one the table is
    on, :func:`check_sheets` parses the others).

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
        if not name.lower().endswith(_XML_SUFFIXES) or is_worksheet(name):
            continue
        with archive.open(info) as stream:
            if name in _KEPT:
                parts[name] = parse_part(stream, name, file, _Keeper())
            elif _is_shared_strings(name):
                shared = parse_part(stream, name, file, _SharedStrings())
            elif name == "xl/styles.xml":
                formats = parse_part(stream, name, file, _Styles(), events=("start", "end"))
            else:
                parse_part(stream, name, file, None)
    _refuse_macro_types(parts.get("[Content_Types].xml", []), file)
    date1904 = any(e.get("date1904") in ("1", "true") for e in parts.get("xl/workbook.xml", []))
    properties = _properties(parts.get("docProps/custom.xml", []))
    return Archive(path, _sheets(parts), properties, formats, shared, date1904)


def check_sheets(book: Archive, read: str) -> None:
    """Parse the worksheets other than ``read`` for safety only (nothing is kept).

    :raises InputError: a part declares a DTD or entities, or is damaged.
    """
    with zipfile.ZipFile(book.path) as archive:
        for name in archive.namelist():
            if is_worksheet(name) and name != read:
                with archive.open(name) as stream:
                    parse_part(stream, name, book.path.name, None)


def is_worksheet(name: str) -> bool:
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
        if element.tag == f"{MAIN}si":
            self.strings.append(string_text(element))
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
        if element.tag == f"{MAIN}numFmt":
            self.custom[int(element.get("numFmtId") or 0)] = element.get("formatCode") or ""
        elif element.tag == f"{MAIN}xf" and self.depth[-1:] == [f"{MAIN}cellXfs"]:
            self.ids.append(int(element.get("numFmtId") or 0))

    def result(self) -> list[str]:
        return [self.custom.get(i) or BUILTIN_FORMATS.get(i, "General") for i in self.ids]


def string_text(element: Element) -> str:
    """The text of a shared or inline string: its runs, without phonetic guides."""
    parts = []
    for child in element:
        if child.tag == f"{MAIN}t":
            parts.append(child.text or "")
        elif child.tag == f"{MAIN}r":
            parts.extend(t.text or "" for t in child if t.tag == f"{MAIN}t")
    return unescape("".join(parts))


def parse_part(
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
        if element.tag != f"{MAIN}sheet":
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
