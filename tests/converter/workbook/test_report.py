"""The whole report for a workbook with ten different mistakes: every one named by sheet,
cell, column and 事業No, grouped by row, Japanese first (a golden text; DX_UPDATE_GOLDEN=1
writes it anew)."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

from converter.workbook.schema import INPUT_SHEET
from tests.converter.workbook.books import cell, edited, row_of, validate
from tests.converter.workbook.conftest import FY2024, fill_like, template

GOLDEN = Path(__file__).parent / "golden" / "ten-mistakes.txt"


def ten_mistakes(book: Workbook) -> None:
    cell(book, "6", "実績値").value = "ほぼ百"  # 1. not a number
    cell(book, "8", "評価").value = "◎（大成功）"  # 2. not an evaluation
    cell(book, "1", "部").value = "未来部"  # 3. a department not in the register
    cell(book, "4", "課").value = "デジタル変革課"  # 4. a division of another department
    date = cell(book, "14", "実績値")  # 5. Excel made a date of "4/1"
    date.value, date.number_format = datetime(2024, 4, 1), "m/d"
    cell(book, "16", "実績値").value = "=W2"  # 6. a formula without a stored value
    cell(book, "2", "令和６年度取組状況").value = "一行目\n二行目"  # 7. a line break in a cell
    cell(book, "3", "掲載").value = "削除"  # 8. not a choice of 掲載
    cell(book, "1", "実績値").value = "719名"  # 9. a value in a row without a KPI
    sheet = book[INPUT_SHEET]  # 10. a hidden row
    sheet.row_dimensions[row_of(sheet, "5")].hidden = True


def test_ten_mistakes_are_reported_at_once_grouped_by_row(tmp_path: Path) -> None:
    filled = tmp_path / "filled.xlsx"
    fill_like(template(tmp_path), FY2024, filled)
    wrong = edited(filled, tmp_path / "dx-kpi-fy2024.xlsx", ten_mistakes)
    result = validate(wrong)
    assert result.exit_code == 2
    if os.environ.get("DX_UPDATE_GOLDEN"):
        GOLDEN.write_text(result.output, "utf-8")
    assert result.output == GOLDEN.read_text("utf-8")
    assert "問題が 10 件あります（9 行）" in result.output
