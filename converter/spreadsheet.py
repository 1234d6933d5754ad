"""CSV for spreadsheets: no published cell may start a formula (OWASP "CSV injection").

A spreadsheet runs a cell that begins with ``=``, ``+``, ``-``, ``@``, TAB or CR as a
formula (``=HYPERLINK(…)``, ``+cmd|…``, ``-2+3``, ``@SUM(…)``). In every CSV the build
writes for people such a cell gets a leading single quote, which spreadsheets read as
"this is text". Two kinds of cell are kept as they are, because they cannot start a
formula and are values the table prints: a lone ``-`` (no value) and a plain negative
number such as ``-5``, ``-1,200`` or ``-3.5%`` (a spreadsheet reads it as that number).

Every CSV written for people starts with a byte order mark: without it, Excel in Japanese
reads UTF-8 as Shift_JIS and shows garbage. The source table in ``data/`` is never changed;
a download is the source byte for byte after that mark, unless a cell had to be escaped.
"""

from __future__ import annotations

import csv
import io
import re

from converter.encoding import decode

BOM = b"\xef\xbb\xbf"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NEGATIVE_NUMBER = re.compile(r"-[0-9][0-9,]*(?:\.[0-9]+)?%?")


def starts_formula(cell: str) -> bool:
    """True when a spreadsheet could run ``cell`` as a formula."""
    if not cell.startswith(FORMULA_STARTS):
        return False
    return not (cell == "-" or _NEGATIVE_NUMBER.fullmatch(cell))


def escape_cell(cell: str) -> str:
    """``cell`` with a leading ``'`` when it could start a formula, else unchanged."""
    return "'" + cell if starts_formula(cell) else cell


def spreadsheet_csv(data: bytes, file: str) -> bytes:
    """The bytes to publish for the CSV file ``data``: UTF-8 with a BOM (what tells Excel
    the file is UTF-8); the source's bytes after it when no cell starts a formula, else
    the table written again with those cells escaped.

    :raises InputError: the bytes are not UTF-8 or CP932 text.
    """
    text = decode(data, file)
    records = list(csv.reader(io.StringIO(text, newline="")))
    if not any(starts_formula(cell) for record in records for cell in record):
        if data.startswith(BOM):
            return data
        return BOM + (data if _is_utf8(data) else text.encode("utf-8"))
    out = io.StringIO()
    out.write("\ufeff")
    newline = "\r\n" if "\r\n" in text else "\n"
    writer = csv.writer(out, lineterminator=newline)
    writer.writerows([escape_cell(cell) for cell in record] for record in records)
    return out.getvalue().encode("utf-8")


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
