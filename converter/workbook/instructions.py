"""The sheet 「記入方法」: how to fill in the workbook, in Japanese with English beside it."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from converter.era import reiwa_year
from converter.workbook.schema import (
    DROP,
    HELP_SHEET,
    INPUT_SHEET,
    KEEP_HEADING,
    STAMP_EDITION,
    STAMP_SOURCE_EDITION,
    STAMP_SOURCE_SHA256,
    STAMP_SOURCE_TABLE,
    STAMP_VERSION,
)


def _steps(year: int) -> list[tuple[str, str]]:
    reiwa = reiwa_year(year)
    return [
        (
            f"令和{reiwa}年度版の入力用ブックです。前年度版の事業・KPI・目標値が入っています。",
            f"The workbook for the FY{year} edition, carried forward from the last edition's "
            "projects, KPIs and targets.",
        ),
        (
            f"1. シート「{INPUT_SHEET}」の黄色のセル（実績値・評価・令和{reiwa}年度取組状況）に"
            "今年度の値を入力します。",
            f"1. On the sheet {INPUT_SHEET}, fill in the yellow cells (actual, evaluation, "
            f"FY{year} status).",
        ),
        (
            "2. 値は資料に印字されたとおりに入力します（例: 43.1%、64,169、40百万枚、ほぼ100%、"
            "4以上、値がないときは -）。セルは「文字列」の書式なので、入力したとおりに残ります。",
            "2. Type values as printed (43.1%, 64,169, 40百万枚, ほぼ100%, 4以上, - for none). "
            "The cells are formatted as text, so what you type is kept.",
        ),
        (
            "3. 評価・部・課・目標区分は一覧から選びます。課の一覧は、その行の部の課だけです。",
            "3. Pick the evaluation, department, division and goal kind from the lists; the "
            "division list shows the row's department's divisions.",
        ),
        (
            "4. 灰色の列（事業No・再掲元・KPI番号・KPI再掲元）は変更できません。データのIRIが"
            "これらの番号から作られるためです。",
            "4. The grey columns (project number, 再掲 links, KPI number) are locked: the "
            "data's IRIs are made from them.",
        ),
        (
            f"5. 今年度に載せない事業は、列「{KEEP_HEADING}」で「{DROP}」を選びます。行は削除し"
            "ません。",
            f"5. To drop a project from this edition, choose {DROP} in the column "
            f"{KEEP_HEADING}; do not delete the row.",
        ),
        (
            "6. 新しい事業は、表の下の空き行に入力します（事業Noは新しい番号）。",
            "6. New projects go in the empty rows below the table, with a new number.",
        ),
        (
            "7. 1セル1データ。セルの結合・行の非表示・セル内の改行・数式・別のシートへの入力は"
            "しません（変換器が受け付けません）。",
            "7. One value per cell: no merged cells, hidden rows, line breaks in a cell, "
            "formulas or values on other sheets (the converter refuses them).",
        ),
        (
            "8. 「Excel ブック（*.xlsx）」で保存します。.xls・.xlsm・CSV では保存しません。",
            "8. Save as an Excel workbook (*.xlsx), not .xls, .xlsm or CSV.",
        ),
        *_checking(),
    ]


def _checking() -> list[tuple[str, str]]:
    """How the saved workbook is checked and published: in the console, no command."""
    return [
        (
            "9. 確認: 公開コンソールの「アップロード」でこのファイルをアップロードします。問題が"
            "あれば、シート・セル・列・事業Noと理由がすべて表示されます。Excel で直して、もう一度"
            "アップロードします。",
            "9. Check: upload this file on the console's Upload page. Every problem is listed "
            "with sheet, cell, column, project number and reason; fix them in Excel and upload "
            "again.",
        ),
        (
            "10. 公開: 問題がなければ、変更点とプレビューを確かめてから、公開担当が「公開」を"
            "押します（手順書: docs/console-guide.md）。",
            "10. Publish: once it has no problems, check the changes and the preview; a "
            "publisher then presses Publish (guide: docs/console-guide.md).",
        ),
    ]


def write_instructions(book: Workbook, stamp: dict[str, str], year: int) -> None:
    """Add the sheet 「記入方法」 (after the input sheet), stamp shown at its foot."""
    sheet = book.create_sheet(HELP_SHEET, 1)
    sheet.column_dimensions["A"].width = 70
    sheet.column_dimensions["B"].width = 70
    header = PatternFill("solid", fgColor="1F4E78")
    for column, text in (("A", "記入方法"), ("B", "How to fill in")):
        cell = sheet[f"{column}1"]
        cell.value = text
        cell.font = Font(bold=True, color="FFFFFF", size=12)
        cell.fill = header
    wrap = Alignment(wrap_text=True, vertical="top")
    row = 2
    for row, (ja, en) in enumerate(_steps(year), start=2):
        sheet[f"A{row}"], sheet[f"B{row}"] = ja, en
        sheet[f"A{row}"].alignment = sheet[f"B{row}"].alignment = wrap
        # Spreadsheets do not grow a row for wrapped text they did not lay out themselves:
        # about 34 Japanese or 68 Latin characters fit on a line of 70.
        lines = max(-(-len(ja) // 34), -(-len(en) // 68), 1)
        sheet.row_dimensions[row].height = 16 * lines
    facts = [
        ("テンプレート版 / template version", stamp.get(STAMP_VERSION, "")),
        ("年度版 / edition", f"FY{stamp.get(STAMP_EDITION, '')}"),
        ("引き継いだ年度版 / carried forward from", f"FY{stamp.get(STAMP_SOURCE_EDITION, '')}"),
        ("元の表 / source table", stamp.get(STAMP_SOURCE_TABLE, "")),
        ("元の表の SHA-256 / its SHA-256", stamp.get(STAMP_SOURCE_SHA256, "")),
    ]
    for offset, (label, value) in enumerate(facts, start=row + 2):
        sheet[f"A{offset}"], sheet[f"B{offset}"] = label, value
        sheet[f"A{offset}"].font = Font(color="595959")
        sheet[f"B{offset}"].font = Font(color="595959")
    sheet.protection.sheet = True
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.page_setup.orientation = "landscape"
