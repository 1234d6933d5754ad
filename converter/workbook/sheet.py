"""Read a workbook's input sheet back as the table's records, naming sheet and cell.

A workbook made by ``converter template`` carries a stamp (template version, edition,
source table and its digest) in its custom document properties; it is read from its sheet
「入力」, which must be its only sheet besides 「記入方法」 and the hidden 「リスト」, and the
rows marked 「掲載しない」 are left out. Any other ``.xlsx`` is read as a plain table (the
first sheet, or ``--sheet``), laid out like the CSV.

Both are refused, cell by cell, where a spreadsheet changed what the staff see into
something else: hidden rows and columns, merged ranges, formulas without a stored value,
dates, error values. The stored values come from :mod:`converter.workbook.archive`, which
checks the file and parses the sheet once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from openpyxl.utils import get_column_letter

from converter.era import reiwa_year, year_label
from converter.errors import InputError, Problems, ValueParseError
from converter.workbook.archive import Archive, check_sheets, open_archive
from converter.workbook.cells import cell_text
from converter.workbook.schema import (
    DROP,
    INPUT_SHEET,
    KEEP,
    KEEP_HEADING,
    SHEETS,
    STAMP_EDITION,
    STAMP_KEYS,
    STAMP_VERSION,
    TEMPLATE_VERSION,
)
from converter.workbook.worksheet import Cell, SheetScan, read_sheet

WORKBOOK_SUFFIXES = (".xlsx", ".xltx", ".xlsm", ".xltm", ".xlsb", ".xls", ".ods", ".numbers")
_REFUSED_SUFFIXES = {
    ".xls": "旧形式の Excel ブック（.xls） / an old-format Excel workbook (.xls)",
    ".xlsm": "マクロ付きのブック（.xlsm） / a workbook with macros (.xlsm)",
    ".xltm": "マクロ付きのテンプレート（.xltm） / a template with macros (.xltm)",
    ".xlsb": "バイナリ形式のブック（.xlsb） / a binary workbook (.xlsb)",
    ".ods": "OpenDocument のスプレッドシート（.ods） / an OpenDocument spreadsheet (.ods)",
    ".numbers": "Numbers の書類 / a Numbers document",
}
_OLE2 = b"\xd0\xcf\x11\xe0"


@dataclass
class WorkbookRecords:
    records: list[list[str]]  # header first, as a CSV of the table
    stamp: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def read_workbook(path: Path, *, sheet: str | None, problems: Problems) -> WorkbookRecords:
    """The input sheet's rows as text, each cell's problem added to ``problems``.

    :raises InputError: another format than ``.xlsx``, a file beyond the bounds, a
        template of another version, no such sheet, too many rows or columns.
    """
    _refuse_other_formats(path)
    archive = open_archive(path)
    stamp = {key: value for key, value in archive.properties.items() if key in STAMP_KEYS}
    warnings: list[str] = []
    if stamp:
        _check_version(stamp, path.name)
        name = _template_sheet(archive, sheet, path.name, problems)
    else:
        name = _plain_sheet(archive, sheet, path.name, warnings)
    part = next(part for title, _, part in archive.sheets if title == name)
    scan = read_sheet(archive, part)
    check_sheets(archive, part)
    problems.sheet = name
    _structure_problems(scan, path.name, name, problems)
    records = _rows(scan, path.name, problems, template=bool(stamp))
    return WorkbookRecords(records, stamp, warnings)


def check_edition(stamp: dict[str, str], fiscal_year: int, file: str) -> None:
    """The stamp's edition and the sheet's 取組状況 heading name the same year.

    :raises InputError: they differ (someone changed the heading or copied the rows into a
        template of another edition).
    """
    edition = stamp.get(STAMP_EDITION, "")
    if edition and edition != str(fiscal_year):
        raise InputError(
            f"このテンプレートは令和{_reiwa(edition)}年度版（FY{edition}）用ですが、見出しは"
            f"{year_label(fiscal_year)}です。正しい年度のテンプレートを使ってください / "
            f"this template is for the FY{edition} edition but its heading says FY{fiscal_year}:"
            " use the template of the right edition",
            file=file,
            sheet=INPUT_SHEET,
        )


def _reiwa(year: str) -> str:
    return str(reiwa_year(int(year))) if year.isdigit() else "?"


def _refuse_other_formats(path: Path) -> None:
    kind = _REFUSED_SUFFIXES.get(path.suffix.lower())
    with path.open("rb") as handle:
        if handle.read(4) == _OLE2:
            kind = _REFUSED_SUFFIXES[".xls"]
    if kind:
        raise InputError(
            f"{kind.split(' / ')[0]}は読みません。Excel で開き「Excel ブック（*.xlsx）」で保存し"
            f"直してください / {kind.split(' / ')[1]} is not read: open it in Excel and save "
            "it as an Excel workbook (*.xlsx)",
            file=path.name,
        )


def _check_version(stamp: dict[str, str], file: str) -> None:
    version = stamp.get(STAMP_VERSION, "")
    if version != TEMPLATE_VERSION:
        raise InputError(
            f"このブックはテンプレート版「{version or '不明'}」で作られています。今の変換器が"
            f"読むのは版「{TEMPLATE_VERSION}」です。make template で作り直し、値を写してください"
            " / this "
            f"workbook was made from template version '{version or 'unknown'}'; the converter "
            f"reads version '{TEMPLATE_VERSION}': make a new template (make template) and copy "
            "the values into it",
            file=file,
        )


def _template_sheet(archive: Archive, sheet: str | None, file: str, problems: Problems) -> str:
    names = [title for title, _, _ in archive.sheets]
    if INPUT_SHEET not in names or (sheet and sheet != INPUT_SHEET):
        raise InputError(
            f"テンプレートはシート「{INPUT_SHEET}」から読みます（このブックのシート: "
            f"{'、'.join(names)}） / a template is read from its sheet {INPUT_SHEET} (sheets: "
            f"{', '.join(names)})",
            file=file,
        )
    for title in names:
        if title not in SHEETS:
            problems.add(
                InputError(
                    f"テンプレートにないシートです。値は読みません。「{INPUT_SHEET}」に入力し、この"
                    f"シートは削除してください / a sheet the template does not have: it is not "
                    f"read; type the values into {INPUT_SHEET} and delete this sheet",
                    file=file,
                    sheet=title,
                )
            )
    return INPUT_SHEET


def _plain_sheet(archive: Archive, sheet: str | None, file: str, warnings: list[str]) -> str:
    names = [title for title, _, _ in archive.sheets]
    if not names:
        raise InputError("シートがありません / the workbook has no sheet", file=file)
    if sheet is not None and sheet not in names:
        raise InputError(
            f"シート「{sheet}」がありません / no sheet named '{sheet}' (sheets: "
            f"{', '.join(names)})",
            file=file,
        )
    name = sheet or names[0]
    for other in names:
        if other != name:
            warnings.append(
                f"{file}: シート「{other}」は読みません / sheet {other} is not read (only {name})"
            )
    return name


def _structure_problems(scan: SheetScan, file: str, sheet: str, problems: Problems) -> None:
    for ref in scan.merged:
        problems.add(
            InputError(
                "セルが結合されています。結合を解除し、値は先頭のセルに入れてください（1セル1データ）"
                " / merged cells: unmerge them and keep the value in the first cell",
                file=file,
                sheet=sheet,
                cell=ref,
            )
        )
    for low, high in scan.hidden_columns:
        span = get_column_letter(low) + (f":{get_column_letter(high)}" if high > low else "")
        problems.add(
            InputError(
                f"列 {span} が非表示です。再表示して中身を確かめてください / column(s) {span} are "
                "hidden: unhide them and check what they hold",
                file=file,
                sheet=sheet,
            )
        )


def _rows(scan: SheetScan, file: str, problems: Problems, *, template: bool) -> list[list[str]]:
    records: list[list[str]] = []
    keep_at: int | None = None
    hidden = set(scan.hidden_rows)
    width = scan.max_column
    for number in range(1, scan.max_row + 1):
        texts, faults = _texts(scan.rows.get(number, []), width)
        if number == 1:
            keep_at = texts.index(KEEP_HEADING) if template and KEEP_HEADING in texts else None
            problems.letters = {h: get_column_letter(i + 1) for i, h in enumerate(texts) if h}
        keep = texts.pop(keep_at).strip() if keep_at is not None and keep_at < len(texts) else ""
        if number > 1 and not any(t.strip() for t in texts) and not faults:
            continue  # an empty row (the template's spare rows)
        if keep == DROP:
            continue
        records.append(texts)
        table_row = len(records)
        problems.sheet_rows[table_row] = number
        for position, fault in faults:
            heading = records[0][position] if position < len(records[0]) else None
            problems.add(InputError(fault, file=file, row=table_row, column=heading))
        if number > 1 and keep not in ("", KEEP):
            problems.add(_keep_problem(keep, file, table_row))
        if number in hidden:
            problems.add(_hidden_problem(file, table_row))
    return records


def _texts(cells: list[Cell], width: int) -> tuple[list[str], list[tuple[int, str]]]:
    """The row's texts, and (position, problem) for each cell that cannot be read."""
    texts = [""] * width
    faults: list[tuple[int, str]] = []
    for cell in cells:
        position = cell.column - 1
        if cell.formula_without_value:
            faults.append((position, _FORMULA))
            continue
        try:
            texts[position] = cell_text(cell.value, cell.number_format, cell.data_type)
        except ValueParseError as exc:
            faults.append((position, str(exc)))
    return texts, faults


_FORMULA = (
    "数式に計算済みの値がありません。値そのものを入力するか、Excel で開いて保存し直して"
    "ください / a formula without a stored value: type the value itself, or open the "
    "workbook in Excel and save it so that the value is stored"
)


def _keep_problem(keep: str, file: str, row: int) -> InputError:
    return InputError(
        f"「{keep}」は選べません。「{KEEP}」か「{DROP}」を選んでください / '{keep}' is not a "
        f"choice: pick {KEEP} or {DROP}",
        file=file,
        row=row,
        column=KEEP_HEADING,
    )


def _hidden_problem(file: str, row: int) -> InputError:
    return InputError(
        "非表示の行です（フィルターを含む）。再表示して中身を確かめてください。載せない行は"
        f"「{KEEP_HEADING}」で「{DROP}」を選びます / a hidden row (or filtered out): unhide "
        f"it and check it; to leave a row out, choose {DROP} under {KEEP_HEADING}",
        file=file,
        row=row,
    )
