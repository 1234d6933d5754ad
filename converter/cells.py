"""Checks on the raw cells of a table, before they mean anything.

They catch tables that look valid but would publish something other than what the staff
typed: a row with a cell deleted (everything after it shifts one column), control
characters (they break RDF/XML and are invisible in a spreadsheet), a pasted blob, and
values typed into a row without a KPI (the converter has nowhere to publish them).
"""

from __future__ import annotations

import re

from converter.errors import InputError, Problems
from converter.table import KPI_VALUE_COLUMNS, NO_KPI, Layout
from converter.values import is_no_value

MAX_FILE_BYTES = 32 * 2**20  # the real table is 60 kB; 100× of it is 6 MB
MAX_CELL_CHARS = 10_000  # the longest printed cell has 237 characters

# C0 controls but TAB, LF and CR; DEL and C1; lone surrogates; the two noncharacters XML
# forbids; and U+F8F0–U+F8F3, what CP932 makes of the bytes 0xA0 and 0xFD–0xFF (never text).
_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\uf8f0-\uf8f3]")
_NAMES = {0x00: "NUL", 0x08: "BACKSPACE", 0x0B: "VT", 0x0C: "FORM FEED", 0x1B: "ESCAPE",
          0x7F: "DELETE"}  # fmt: skip


def column_name(header: list[str], row: int, position: int) -> str:
    """The heading of the cell at ``position``, or its place when there is no heading."""
    if row > 1 and position < len(header) and header[position]:
        return header[position]
    return f"#{position + 1}"


def check_cells(file: str, records: list[list[str]], header: list[str], problems: Problems) -> None:
    """Refuse control characters and oversized cells anywhere, the header included: each
    such cell is added to ``problems``, naming file, row, column and the character as
    U+XXXX."""
    for number, record in enumerate(records, start=1):
        for position, cell in enumerate(record):
            problem = _cell_problem(cell)
            if problem:
                column = column_name(header, number, position)
                problems.add(InputError(problem, file=file, row=number, column=column))


def _cell_problem(cell: str) -> str | None:
    if len(cell) > MAX_CELL_CHARS:
        return (
            f"セルが長すぎます（{len(cell):,} 文字、上限 {MAX_CELL_CHARS:,} 文字） / the cell has "
            f"{len(cell):,} characters; a cell holds at most {MAX_CELL_CHARS:,} (was something "
            "pasted by mistake?)"
        )
    found = _REFUSED.search(cell)
    return _control_problem(found.group(), found.start()) if found else None


def _control_problem(char: str, offset: int) -> str:
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        kind = "a lone surrogate"
    elif 0xF8F0 <= code <= 0xF8F3:
        kind = "not a character (a byte 0xA0 or 0xFD–0xFF read as CP932)"
    elif code in (0xFFFE, 0xFFFF):
        kind = "a noncharacter"
    else:
        kind = f"a control character{f' ({_NAMES[code]})' if code in _NAMES else ''}"
    return (
        f"文字 U+{code:04X} は公開できません。削除してください（セルの {offset + 1} 文字目） / "
        f"contains U+{code:04X}, {kind}, at character {offset + 1} of the cell; it cannot be "
        "published (it is invisible in a spreadsheet and breaks RDF/XML): delete it"
    )


def fit_to_header(
    file: str, header: list[str], number: int, record: list[str], lines: tuple[int, int] | None
) -> list[str]:
    """The record with exactly one cell per heading.

    A CSV row must have as many cells as the header: a deleted cell would shift every later
    cell into the wrong column. A workbook's cells keep their columns, so only cells beyond
    the header are checked there (``lines`` is None).

    :raises InputError: naming file, row (and lines) and both counts.
    """
    width = len(header)
    if lines is not None:
        allowed = {width, width - 1} if header[-1] == "" else {width}  # a trailing comma
        if len(record) not in allowed:
            raise InputError(_count_problem(len(record), width, lines), file=file, row=number)
    elif len(record) > width and any(cell.strip() for cell in record[width:]):
        raise InputError(
            f"見出しより右のセルに値があります / has {len(record)} cells but the header has "
            f"{width}",
            file=file,
            row=number,
        )
    record = record[:width] + [""] * (width - len(record))
    if header[-1] == "" and record[-1].strip():
        raise InputError(
            "見出しのない列に値があります / a value in a column without a heading",
            file=file,
            row=number,
            column=column_name(header, number, width - 1),
        )
    return record


def _count_problem(cells: int, width: int, lines: tuple[int, int]) -> str:
    if cells < width:
        why = (
            "セルが削除されたか、行が途中で切れています / a cell was deleted or the row was cut "
            "short, so the cells after it would shift into the wrong columns"
        )
    else:
        why = (
            "セルが挿入されたか、引用符のないセルにカンマがあります / a cell was inserted, or a "
            "cell holds a comma without quotes"
        )
    first, last = lines
    span = (
        f"; lines {first}–{last}: a quote opened on line {first} may not be closed"
        if (last > first)
        else ""
    )
    return (
        f"セルの数（{cells}）が見出しの数（{width}）と違います / has {cells} cells but the "
        f"header has {width} ({why}{span})"
    )


def check_kpi_less_row(
    file: str,
    layout: Layout,
    number: int,
    cells: dict[str, str],
    targets: dict[int, str],
    problems: Problems,
) -> None:
    """A row without a KPI (KPI番号 "‐") publishes no values, so it must hold none: each
    cell with a value is added to ``problems`` (a dash is no value)."""
    if cells["kpi_no"] not in NO_KPI:
        return
    typed = [(heading, cells[name]) for name, heading in KPI_VALUE_COLUMNS]
    typed += [(layout.headings[layout.targets[year]], text) for year, text in targets.items()]
    for heading, text in typed:
        if not is_no_value(text):
            problems.add(
                InputError(
                    f"KPI のない行（KPI番号 '{cells['kpi_no']}'）に値 '{text}' があり、公開されま"
                    f"せん / '{text}' is in a row without a KPI (KPI番号 '{cells['kpi_no']}'), so "
                    "it would "
                    "not be published: give the row its KPI number, or clear the cell",
                    file=file,
                    row=number,
                    column=heading,
                )
            )
