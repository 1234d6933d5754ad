"""The template as the staff get it: ``converter template`` and what the workbook holds."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from click.testing import CliRunner
from openpyxl import load_workbook

from converter.cli import main
from converter.table import NO_KPI
from converter.workbook.schema import (
    HELP_SHEET,
    INPUT_SHEET,
    KEEP,
    LISTS_SHEET,
    SPARE_ROWS,
    STAMP_EDITION,
    STAMP_SOURCE_EDITION,
    STAMP_SOURCE_SHA256,
    STAMP_VERSION,
    TEMPLATE_VERSION,
)
from tests.converter.workbook.conftest import FY2023, records, template
from tests.converter.workbook.office import soffice


def test_template_command_writes_the_next_edition_into_a_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["template", "--out", f"{tmp_path}/"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "dx-kpi-fy2024.xlsx").is_file()
    assert "令和6年度版（FY2024）の入力用ブックを書きました" in result.output
    assert "W2:W66（実績値）、X2:X66（評価）、Y2:Y66（令和６年度取組状況）" in result.output
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left


def test_template_command_refuses_an_unpublished_edition(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["template", "--out", f"{tmp_path}/", "--edition", "2019"])
    assert result.exit_code == 2
    assert "令和1年度版は公開されていません" in result.output and "FY2019" in result.output


def test_input_sheet_carries_forward_with_the_new_cells_empty(tmp_path: Path) -> None:
    book = load_workbook(template(tmp_path))
    assert book.security.lockStructure  # no sheet added, renamed or unhidden
    assert book.sheetnames == [INPUT_SHEET, HELP_SHEET, LISTS_SHEET]
    assert book[LISTS_SHEET].sheet_state == "hidden"
    sheet = book[INPUT_SHEET]
    heads = [c.value for c in sheet[1]]
    source = records(FY2023)
    assert heads[:22] == source[0][:22] and heads[-2:] == ["令和６年度取組状況", "掲載"]
    for row, printed in enumerate(source[1:], start=2):
        values = [sheet.cell(row, c).value or "" for c in range(1, 27)]
        assert values[:22] == printed[:22]  # project … targets, as printed
        assert values[22:25] == ["", "", ""]  # 実績値, 評価, 取組状況: to fill in
        assert values[25] == KEEP
    assert sheet.max_row == len(source) + SPARE_ROWS


def test_number_and_code_cells_are_text_and_only_identifying_cells_are_locked(
    tmp_path: Path,
) -> None:
    sheet = load_workbook(template(tmp_path))[INPUT_SHEET]
    assert sheet.protection.sheet and not sheet.protection.password
    heads = [c.value for c in sheet[1]]
    locked = {"事業No", "再掲元", "KPI番号", "KPI再掲元"}
    for row in sheet.iter_rows(min_row=2, max_row=66):
        without_kpi = (row[heads.index("KPI番号")].value or "") in NO_KPI
        for heading, cell in zip(heads, row, strict=True):
            assert cell.number_format == "@", cell.coordinate
            # A row without a KPI has no 実績値 or 評価 to fill in: locked too.
            closed = heading in locked or (without_kpi and heading in ("実績値", "評価"))
            assert cell.protection.locked == closed, cell.coordinate
    spare = sheet[67]
    assert all(not cell.protection.locked for cell in spare)  # new projects' rows
    assert sheet["W7"].fill.fgColor.rgb.endswith("FFF2CC")  # KPI 1's actual: yellow
    assert sheet["Y2"].fill.fgColor.rgb.endswith("FFF2CC")  # every row's status: yellow
    assert sheet["W2"].fill.fgColor.rgb.endswith("D9D9D9")  # no KPI, no actual: grey
    baselines = {sheet.cell(row, 18).value for row in range(2, 67)}  # column R, 基準値
    assert {"0", "40百万枚", "37.50%"} <= baselines  # as printed, as text


def test_every_heading_has_a_note_with_an_example(tmp_path: Path) -> None:
    sheet = load_workbook(template(tmp_path))[INPUT_SHEET]
    for cell in sheet[1]:
        assert cell.comment is not None, cell.coordinate
        assert "例: " in cell.comment.text and "e.g. " in cell.comment.text
    assert sheet.freeze_panes == "C2"


def test_dropdowns_for_evaluation_department_and_division(tmp_path: Path) -> None:
    book = load_workbook(template(tmp_path))
    rules = {
        str(v.sqref): str(v.formula1) for v in book[INPUT_SHEET].data_validations.dataValidation
    }
    assert rules["X2:X96"] == "=評価一覧"
    assert rules["H2:H96"] == "=部一覧"
    assert rules["I2:I96"] == "=INDIRECT(VLOOKUP($H2,部表,2,FALSE))"
    names = set(book.defined_names)
    assert {"評価一覧", "部一覧", "部表", "課_somu_bu", "課_kikaku_chosei_bu"} <= names


def test_division_lists_follow_the_department_in_libreoffice(tmp_path: Path) -> None:
    """The 課 dropdown's formula, evaluated by LibreOffice for every row: the row's 課 is
    in the list of its 部 (and a 課 of another 部 is not)."""
    book = load_workbook(template(tmp_path))
    check = book.create_sheet("check", 0)
    sheet = book[INPUT_SHEET]
    rows = [r for r in range(2, 67) if ";" not in str(sheet.cell(r, 8).value)]
    for out, row in enumerate(rows, start=1):
        check.cell(
            out, 1
        ).value = f"=COUNTIF(INDIRECT(VLOOKUP(入力!H{row},部表,2,FALSE)),入力!I{row})"
    check.cell(
        len(rows) + 1, 1
    ).value = '=COUNTIF(INDIRECT(VLOOKUP("企画調整部",部表,2,FALSE)),"人事課")'
    path = tmp_path / "check.xlsx"
    book.save(path)
    converted = soffice(path, tmp_path / "lo", "csv:Text - txt - csv (StarCalc):44,34,76")
    counts = [r[0] for r in csv.reader(io.StringIO(converted.read_text("utf-8")))]
    assert counts == ["1"] * len(rows) + ["0"]


def test_the_stamp_names_version_edition_and_source(tmp_path: Path) -> None:
    properties = {p.name: p.value for p in load_workbook(template(tmp_path)).custom_doc_props}
    assert properties[STAMP_VERSION] == TEMPLATE_VERSION
    assert (properties[STAMP_EDITION], properties[STAMP_SOURCE_EDITION]) == ("2024", "2023")
    assert len(properties[STAMP_SOURCE_SHA256]) == 64


def test_instructions_sheet_in_japanese_with_english_beside(tmp_path: Path) -> None:
    sheet = load_workbook(template(tmp_path))[HELP_SHEET]
    assert (sheet["A1"].value, sheet["B1"].value) == ("記入方法", "How to fill in")
    steps = [(a.value, b.value) for a, b in sheet.iter_rows(min_row=2, max_row=12, max_col=2)]
    assert all(ja and en for ja, en in steps)
    assert any("掲載しない" in ja for ja, _ in steps)
