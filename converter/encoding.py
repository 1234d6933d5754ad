"""Decode a source table's bytes, and say where and why when they are not UTF-8 or CP932.

Staff save the table from Excel, LibreOffice or a text editor; the usual mistakes are a
Shift_JIS file with one broken byte, a file saved as JIS (ISO-2022-JP), UTF-16 ("Unicode
text") or EUC-JP, and a workbook saved under a ``.csv`` name. Each gets its own message,
with the row and column of the first bad byte where there is one.
"""

from __future__ import annotations

import codecs
import csv
import io

from converter.errors import InputError

ENCODINGS = ("utf-8", "cp932")  # tried in this order when none is given
LABELS = {"utf-8": "UTF-8", "cp932": "CP932 (Shift_JIS)"}

# The escape sequences that switch character sets in ISO-2022-JP (RFC 1468, JIS X 0208/0212).
_JIS_ESCAPES = (b"\x1b$B", b"\x1b$@", b"\x1b(J", b"\x1b(I", b"\x1b$(D", b"\x1b$(Q", b"\x1b(B")
_MAGIC = {
    b"PK\x03\x04": "an Excel workbook (.xlsx) / Excel のブック",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls) / 旧形式の Excel ブック",
    b"%PDF": "a PDF document / PDF",
}


def decode(data: bytes, file: str, encoding: str | None = None) -> str:
    """The text of a CSV file: ``encoding`` if given, else UTF-8 (BOM allowed), else CP932.

    :raises InputError: the bytes are not text in that encoding; names the row and column
        of the first undecodable byte and its offset, or the encoding the file is really in.
    """
    if encoding:
        return _decode_as(data, file, encoding)
    _refuse_other_formats(data, file)
    failures: dict[str, UnicodeDecodeError] = {}
    for candidate in ENCODINGS:
        try:
            return data.decode(candidate).removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            failures[candidate] = exc
    raise _undecodable(data, file, failures)


def _decode_as(data: bytes, file: str, encoding: str) -> str:
    try:
        codecs.lookup(encoding)
    except LookupError as exc:
        raise InputError(f"cannot be read as {encoding}: unknown encoding", file=file) from exc
    try:
        return data.decode(encoding).removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        row, column = _position(data, exc, encoding)
        raise InputError(
            f"{encoding} として読めません / cannot be read as {encoding}: {_bytes_at(exc)}",
            file=file,
            row=row,
            column=column,
        ) from exc


def _refuse_other_formats(data: bytes, file: str) -> None:
    """A workbook, UTF-16 text or JIS text under a .csv name: say what the file really is."""
    for magic, kind in _MAGIC.items():
        if data.startswith(magic):
            raise InputError(
                "CSV ではありません。CSV（UTF-8）で保存し直してください / "
                f"is {kind}, not a CSV file; save it as CSV (UTF-8) or give it the right "
                "extension",
                file=file,
            )
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise InputError(
            "UTF-32 で保存されています。「CSV UTF-8」で保存し直してください / is UTF-32; save it "
            "as 'CSV UTF-8'",
            file=file,
        )
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(
            "UTF-16 で保存されています。「CSV UTF-8」で保存し直してください / "
            "is UTF-16 (Excel's 'Unicode text'); save it as 'CSV UTF-8'",
            file=file,
        )
    jis = [data.find(escape) for escape in _JIS_ESCAPES if escape in data]
    if jis:
        offset = min(jis)
        row, column = _row_and_column(data[:offset].decode("ascii", "replace"))
        raise InputError(
            "ISO-2022-JP（JIS）で保存されています。UTF-8 か CP932（Shift_JIS）で保存し直して"
            f"ください / is encoded as ISO-2022-JP (JIS; escape sequence at byte {offset}); "
            "it must be UTF-8 or CP932 (Shift_JIS)",
            file=file,
            row=row,
            column=column,
        )


def _undecodable(data: bytes, file: str, failures: dict[str, UnicodeDecodeError]) -> InputError:
    """The error for bytes that are neither UTF-8 nor CP932, located in the likelier one."""
    # The encoding the file was meant to be in is the one with fewer undecodable places.
    meant = min(failures, key=lambda name: (_error_count(data, name), name != "utf-8"))
    exc = failures[meant]
    row, column = _position(data, exc, meant)
    also = _error_count(data, meant)
    more = f", {also} such places in all" if also > 1 else ""
    euc = " It looks like EUC-JP." if _is_euc_jp(data) else ""
    return InputError(
        f"文字コードが UTF-8 でも CP932 でもありません（{LABELS[meant]} として "
        f"{exc.start} バイト目が読めません）/ is neither UTF-8 nor CP932 (Shift_JIS): read as "
        f"{LABELS[meant]}, {_bytes_at(exc)}{more}.{euc} Save it as UTF-8 CSV or give "
        "--encoding",
        file=file,
        row=row,
        column=column,
    )


def _bytes_at(exc: UnicodeDecodeError) -> str:
    bad = exc.object[exc.start : max(exc.end, exc.start + 1)][:4]
    return f"byte(s) {' '.join(f'0x{b:02X}' for b in bad)} at offset {exc.start} ({exc.reason})"


def _error_count(data: bytes, encoding: str) -> int:
    """How many places of ``data`` are not ``encoding`` (U+FFFD the file itself holds aside)."""
    genuine = data.count("\ufffd".encode()) if encoding == "utf-8" else 0
    return data.decode(encoding, errors="replace").count("\ufffd") - genuine


def _is_euc_jp(data: bytes) -> bool:
    try:
        data.decode("euc_jp")
    except UnicodeDecodeError:
        return False
    return any(byte >= 0x80 for byte in data[:4096])


def _position(data: bytes, exc: UnicodeDecodeError, encoding: str) -> tuple[int, str | None]:
    """Row and column of the byte ``exc`` stopped at (the bytes before it are valid)."""
    prefix = data[: exc.start].decode(encoding, errors="replace").removeprefix("\ufeff")
    return _row_and_column(prefix)


def _row_and_column(prefix: str) -> tuple[int, str | None]:
    """Where the text that follows ``prefix`` starts: spreadsheet row and column heading."""
    try:
        records = list(csv.reader(io.StringIO(prefix, newline="")))
    except csv.Error:  # e.g. a cell over the field limit: the line is near enough
        return prefix.count("\n") + 1, None
    if not records or prefix.endswith(("\n", "\r")):
        row, position = len(records) + 1, 0
    else:
        row, position = len(records), len(records[-1]) - 1
    return row, _heading(records[0] if records else [], row, position)


def _heading(header: list[str], row: int, position: int) -> str | None:
    if row < 2 or position >= len(header):
        return None  # the header itself, or a cell beyond it
    return header[position].strip() or None
