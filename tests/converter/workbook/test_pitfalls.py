"""Each pitfall of real workbooks, refused with a clear message or handled (issue 23)."""

from __future__ import annotations

import tracemalloc
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import Result

from converter.errors import InputError
from converter.reader import read_table
from converter.workbook.archive import MAX_MEMBER_BYTES, MAX_MEMBERS
from converter.workbook.schema import INPUT_SHEET, STAMP_EDITION, STAMP_VERSION
from tests.converter.workbook.books import cell, copy, edited, rezipped, row_of, validate
from tests.converter.workbook.conftest import FIXTURE, FY2023, FY2024, fill_like, template
from tests.converter.workbook.office import soffice


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("filled")
    out = folder / "dx-kpi-fy2024.xlsx"
    fill_like(template(folder), FY2024, out)
    return out


def refused(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.output, f"{fragment!r} not in {result.output}"


def test_the_filled_workbook_itself_has_no_problems(filled: Path) -> None:
    result = validate(filled)
    assert result.exit_code == 0, result.output
    assert "dx-kpi-fy2024.xlsx: 問題はありません（65 行） / no problems (65 rows)" in result.output


# --- formulas ---------------------------------------------------------------------------


def test_a_formula_without_a_cached_value_is_refused(filled: Path, tmp_path: Path) -> None:
    def change(book):  # type: ignore[no-untyped-def]
        cell(book, "6", "実績値").value = "=W10"  # openpyxl stores no value for it

    result = validate(edited(filled, tmp_path / "f.xlsx", change))
    refused(
        result,
        "シート「入力」",
        "セル W7",
        "列「実績値」",
        "事業No 6",
        "数式に計算済みの値がありません",
    )


def test_a_formula_with_the_value_libreoffice_stored_is_read_as_that_value(
    filled: Path, tmp_path: Path
) -> None:
    def change(book):  # type: ignore[no-untyped-def]
        cell(book, "6", "実績値").value = '="1"&"2"'  # 12, the fixture's actual

    saved = soffice(edited(filled, tmp_path / "f.xlsx", change), tmp_path / "lo", "xlsx")
    assert read_table(saved).records == read_table(filled).records


# --- merged cells -------------------------------------------------------------------------


def test_a_merged_range_is_refused(filled: Path, tmp_path: Path) -> None:
    result = validate(
        edited(filled, tmp_path / "m.xlsx", lambda b: b[INPUT_SHEET].merge_cells("K53:K56"))
    )
    refused(result, "セル K53:K56", "セルが結合されています", "merged cells")


# --- what Excel makes of typing -----------------------------------------------------------


def test_a_date_excel_made_of_4_1_is_refused(filled: Path, tmp_path: Path) -> None:
    def change(book):  # type: ignore[no-untyped-def]
        target = cell(book, "14", "実績値")
        target.value, target.number_format = datetime(2024, 4, 1), "m/d"

    result = validate(edited(filled, tmp_path / "d.xlsx", change))
    refused(
        result, "セル W15", "Excel が入力を日付・時刻（2024年4月1日）に変えました", "2024-04-01"
    )


def test_a_percentage_and_a_number_excel_stored_as_numbers_are_read_as_shown(
    filled: Path, tmp_path: Path
) -> None:
    def change(book):  # type: ignore[no-untyped-def]
        percent, count = cell(book, "8", "実績値"), cell(book, "14", "実績値")
        assert (percent.value, count.value) == ("74.0%", "69,512")
        percent.value, percent.number_format = 0.74, "0.0%"  # "74.0%" typed in a % cell
        count.value, count.number_format = 69512, "#,##0"  # "69,512" typed in a General cell

    changed = edited(filled, tmp_path / "n.xlsx", change)
    assert read_table(changed).records == read_table(filled).records


def test_a_number_in_a_format_that_cannot_be_shown_as_printed_is_refused(
    filled: Path, tmp_path: Path
) -> None:
    def change(book):  # type: ignore[no-untyped-def]
        target = cell(book, "8", "実績値")
        target.value, target.number_format = 0.431, "0.00E+00"

    refused(validate(edited(filled, tmp_path / "e.xlsx", change)), "セル W9", "0.00E+00")


# --- templates of another version or edition ------------------------------------------------


def _stamp(key: str, value: str):  # type: ignore[no-untyped-def]
    def change(book):  # type: ignore[no-untyped-def]
        for prop in book.custom_doc_props:
            if prop.name == key:
                prop.value = value

    return change


def test_a_template_of_another_version_is_refused(filled: Path, tmp_path: Path) -> None:
    result = validate(edited(filled, tmp_path / "v.xlsx", _stamp(STAMP_VERSION, "0")))
    refused(result, "テンプレート版「0」", "make template", "template version '0'")


def test_a_template_of_another_edition_is_refused(filled: Path, tmp_path: Path) -> None:
    result = validate(edited(filled, tmp_path / "e.xlsx", _stamp(STAMP_EDITION, "2025")))
    refused(result, "令和7年度版（FY2025）用", "heading says FY2024")


def test_a_template_listed_as_another_edition_in_publication_toml_is_refused(
    filled: Path, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from converter.cli import main
    from tests.converter.workbook.conftest import publication_with

    config = publication_with(tmp_path, {2024: filled}, FIXTURE / "publication.toml")
    config.write_text(config.read_text("utf-8").replace("fiscal_year = 2024", "fiscal_year = 2025"))
    result = CliRunner().invoke(
        main, ["build", "--config", str(config), "--out", str(tmp_path / "d")]
    )
    refused(result, "このテンプレートは令和6年度版用", "lists it as FY2025")
    assert not (tmp_path / "d").exists()


# --- hidden rows, extra sheets --------------------------------------------------------------


def test_a_hidden_row_is_refused(filled: Path, tmp_path: Path) -> None:
    def change(book):  # type: ignore[no-untyped-def]
        sheet = book[INPUT_SHEET]
        sheet.row_dimensions[row_of(sheet, "5")].hidden = True

    refused(
        validate(edited(filled, tmp_path / "h.xlsx", change)), "6行目（事業No 5）", "非表示の行です"
    )


def test_a_hidden_column_is_refused(filled: Path, tmp_path: Path) -> None:
    def change(book):  # type: ignore[no-untyped-def]
        book[INPUT_SHEET].column_dimensions["D"].hidden = True

    refused(
        validate(edited(filled, tmp_path / "c.xlsx", change)), "列 D が非表示です", "are hidden"
    )


def test_an_extra_sheet_is_refused(filled: Path, tmp_path: Path) -> None:
    def change(book):  # type: ignore[no-untyped-def]
        book.create_sheet("メモ")["A1"] = "事業No 53 の実績は別途"

    refused(
        validate(edited(filled, tmp_path / "s.xlsx", change)),
        "シート「メモ」",
        "テンプレートにないシート",
    )


# --- other formats ----------------------------------------------------------------------


def test_an_old_xls_workbook_is_refused(filled: Path, tmp_path: Path) -> None:
    xls = soffice(filled, tmp_path / "lo", "xls")
    refused(
        validate(xls), "旧形式の Excel ブック（.xls）は読みません", "save it as an Excel workbook"
    )
    refused(validate(copy(xls, tmp_path / "disguised.xlsx")), "旧形式の Excel ブック")


def test_a_macro_workbook_is_refused(filled: Path, tmp_path: Path) -> None:
    refused(validate(copy(filled, tmp_path / "m.xlsm")), "マクロ付きのブック（.xlsm）は読みません")
    macro = rezipped(filled, tmp_path / "macro.xlsx", add={"xl/vbaProject.bin": b"\0" * 64})
    refused(validate(macro), "マクロを含むブック（.xlsm）は読みません")


# --- bombs ------------------------------------------------------------------------------

CUSTOM = b"http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
BILLION_LAUGHS = (
    b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Properties xmlns="%s"><property name="x">&lol3;</property></Properties>"""
    % CUSTOM
)
XXE = (
    b"""<?xml version="1.0"?>
<!DOCTYPE p [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Properties xmlns="%s"><property name="x">&xxe;</property></Properties>"""
    % CUSTOM
)


def test_an_xml_bomb_is_refused(filled: Path, tmp_path: Path) -> None:
    bomb = rezipped(filled, tmp_path / "b.xlsx", replace={"docProps/custom.xml": BILLION_LAUGHS})
    refused(validate(bomb), "docProps/custom.xml", "DTD・実体参照・外部参照", "XML bomb")


def test_an_external_entity_is_refused_and_never_read(filled: Path, tmp_path: Path) -> None:
    xxe = rezipped(filled, tmp_path / "x.xlsx", replace={"docProps/custom.xml": XXE})
    result = validate(xxe)
    refused(result, "docProps/custom.xml", "XXE")
    assert "root:" not in result.output


def test_a_zip_bomb_is_refused_without_inflating_it(filled: Path, tmp_path: Path) -> None:
    huge = b" " * (MAX_MEMBER_BYTES + 1)  # compresses to ~70 KB
    bomb = rezipped(filled, tmp_path / "z.xlsx", replace={"xl/worksheets/sheet1.xml": huge})
    del huge
    tracemalloc.start()
    with pytest.raises(InputError) as caught:
        read_table(bomb)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "xl/worksheets/sheet1.xml" in str(caught.value) and "inflates to" in str(caught.value)
    assert peak < 8 * 2**20  # nothing inflated


def test_a_member_that_inflates_a_thousand_times_is_refused(filled: Path, tmp_path: Path) -> None:
    dense = b"\0" * (4 * 2**20)
    bomb = rezipped(filled, tmp_path / "r.xlsx", add={"xl/media/image1.png": dense})
    refused(validate(bomb), "zip 爆弾", "a zip bomb")


def test_too_many_members_are_refused(filled: Path, tmp_path: Path) -> None:
    extra = {f"xl/media/image{i}.png": b"x" for i in range(MAX_MEMBERS)}
    refused(validate(rezipped(filled, tmp_path / "c.xlsx", add=extra)), "zip members")


def test_a_file_that_is_not_a_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\0" * 100)
    refused(validate(path), "Excel のブック（.xlsx）として読めません")
    assert zipfile.is_zipfile(path) is False


# --- CSV encodings --------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])  # cp932: Excel's "Shift_JIS"
def test_a_utf8_csv_without_bom_and_a_shift_jis_csv_are_accepted(
    tmp_path: Path, encoding: str
) -> None:
    data = FY2023.read_text("utf-8").encode(encoding)
    assert not data.startswith(b"\xef\xbb\xbf")
    path = tmp_path / "dx-kpi-fy2023.csv"
    path.write_bytes(data)
    result = validate(path)
    assert result.exit_code == 0, result.output
    assert "問題はありません（65 行）" in result.output


# --- the build ------------------------------------------------------------------------------


def test_build_says_each_table_has_no_problems_and_warns_of_a_changed_source(
    filled: Path, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from converter.cli import main
    from tests.converter.workbook.conftest import publication_with

    stale = edited(filled, tmp_path / "dx-kpi-fy2024.xlsx", _stamp("dx-source-sha256", "0" * 64))
    config = publication_with(tmp_path, {2024: stale}, FIXTURE / "publication.toml")
    result = CliRunner().invoke(
        main, ["build", "--config", str(config), "--out", str(tmp_path / "d"), "--allow-removals"]
    )
    assert result.exit_code == 0, result.output
    assert "dx-kpi-fy2023.csv: 問題はありません（65 行） / no problems (65 rows)" in result.output
    assert "dx-kpi-fy2024.xlsx: 問題はありません（65 行） / no problems (65 rows)" in result.output
    assert (
        "テンプレートを作った後で令和5年度版の表（dx-kpi-fy2023.csv）が変わりました"
        in result.output
    )
