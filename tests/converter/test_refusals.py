"""Issue 12: tables that are broken, or look valid but are wrong, are refused with exit 2 and
a message that names file, row and column; formula-like cells are escaped in the download.

Each test reproduces one reported defect (see CHANGELOG, issue 12).
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rdflib import Graph, Literal

from converter.cells import MAX_CELL_CHARS, check_cells
from converter.cli import main
from converter.errors import Problems
from converter.spreadsheet import escape_cell, spreadsheet_csv, starts_formula
from converter.vocab import SCHEMA
from tests.conftest import ROOT

SOURCE = ROOT / "data" / "dx-kpi-fy2023.csv"
RAW = SOURCE.read_bytes()
HEADER = next(csv.reader(io.StringIO(SOURCE.read_text("utf-8"))))

Records = list[list[str]]


def records() -> Records:
    return list(csv.reader(io.StringIO(SOURCE.read_text("utf-8"), newline="")))


def to_csv(rows: Records) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def col(name: str) -> int:
    return HEADER.index(name)


def validate(tmp_path: Path, data: bytes, name: str = "kpis.csv") -> Result:
    path = tmp_path / name
    path.write_bytes(data)
    return CliRunner().invoke(main, ["validate", str(path)])


def assert_refused(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for fragment in ("kpis.csv", *fragments):
        assert fragment in result.output, f"{fragment!r} not in {result.output!r}"


# 1. Truncated and shifted tables ----------------------------------------------------------


@pytest.mark.parametrize("percent", [1, 5, 13, 37, 50, 71, 93, 99])
def test_a_table_cut_short_is_refused_or_flagged(tmp_path: Path, percent: int) -> None:
    cut = RAW[: len(RAW) * percent // 100].decode("utf-8", "ignore")
    if cut.endswith("\n"):
        cut = cut[:-2]  # inside a row, not at its end
    last = cut.rsplit("\n", 1)[-1]
    result = validate(tmp_path, cut.encode("utf-8"))
    try:
        shape_ok = len(next(csv.reader([last], strict=True))) == len(HEADER)
    except csv.Error:  # cut inside a quoted cell
        shape_ok = False
    if shape_ok:
        # Cut inside the last cell: the shape is right, but the missing line break is told.
        assert result.exit_code == 0, result.output
        assert "does not end with a line break" in result.output
    else:
        assert_refused(result, f"row {cut.count(chr(10)) + 1}")
        assert "but the header has 25" in result.output or "never closed" in result.output


@pytest.mark.parametrize("row", [2, 6, 17, 33, 66])
@pytest.mark.parametrize("column", ["分野", "事業概要又は取組内容", "基準値", "評価"])
def test_a_deleted_cell_is_refused_naming_row_and_count(
    tmp_path: Path, row: int, column: str
) -> None:
    rows = records()
    del rows[row - 1][col(column)]
    result = validate(tmp_path, to_csv(rows))
    assert_refused(result, f"row {row}", "has 24 cells but the header has 25")


def test_an_inserted_cell_is_refused(tmp_path: Path) -> None:
    rows = records()
    rows[9].insert(col("評価"), "")  # shifts 取組状況 into a 26th cell
    assert_refused(validate(tmp_path, to_csv(rows)), "row 10", "has 26 cells but the header has 25")


def test_an_unclosed_quote_names_the_row_where_it_opened(tmp_path: Path) -> None:
    lines = RAW.split(b"\n")
    lines[2] = lines[2].replace(b",", b',"', 1)  # row 3: a quote that never closes
    result = validate(tmp_path, b"\n".join(lines))
    assert_refused(result, "row 3", "line 3")
    assert "row 8" not in result.output


def test_a_quote_closed_rows_later_names_the_opening_row(tmp_path: Path) -> None:
    lines = RAW.decode("utf-8").split("\n")
    head, _, status = lines[4].rpartition(",")
    lines[4] = f'{head},"{status}'  # row 5 opens a quote in its last cell …
    lines[6] = lines[6].replace(",", '",', 1)  # … that row 7 closes: one record, three lines
    result = validate(tmp_path, "\n".join(lines).encode("utf-8"))
    assert_refused(result, "row 5", "lines 5–7", "quote opened on line 5")


# 2. Control characters ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "char", ["\x00", "\x01", "\x08", "\x0b", "\x1b", "\x7f", "\x85", "\x9f", "\ufffe"]
)
def test_a_control_character_is_refused(tmp_path: Path, char: str) -> None:
    rows = records()
    rows[4][col("事業概要又は取組内容")] += char
    result = validate(tmp_path, to_csv(rows))
    assert_refused(result, "row 5", "column 事業概要又は取組内容", f"U+{ord(char):04X}")


def test_a_control_character_in_the_header_is_refused(tmp_path: Path) -> None:
    rows = records()
    rows[0][3] = "項目\x01番号"
    assert_refused(validate(tmp_path, to_csv(rows)), "row 1", "column #4", "U+0001")


def test_a_lone_surrogate_is_refused() -> None:
    # Only a workbook can hold one (UTF-8 and CP932 cannot encode it): check the cells.
    rows = records()
    rows[7][col("指標名")] = "\ud800"
    problems = Problems("kpis.xlsx")
    check_cells("kpis.xlsx", rows, [c.strip() for c in rows[0]], problems)
    (found,) = problems.errors
    assert (found.row, found.column) == (8, "指標名")
    assert "U+D800" in str(found)


def test_a_tab_inside_a_cell_is_text(tmp_path: Path) -> None:
    rows = records()
    rows[4][col("事業概要又は取組内容")] = "前半\t後半"
    assert validate(tmp_path, to_csv(rows)).exit_code == 0


def test_an_oversized_cell_is_refused(tmp_path: Path) -> None:
    rows = records()
    rows[11][col("令和５年度取組状況")] = "あ" * (MAX_CELL_CHARS + 1)
    result = validate(tmp_path, to_csv(rows))
    assert_refused(result, "row 12", "column 令和５年度取組状況", f"{MAX_CELL_CHARS + 1:,}")


# 3. Values in rows without a KPI ------------------------------------------------------------


@pytest.mark.parametrize(
    "column, value",
    [
        ("基準値", "123"),
        ("評価", "達成"),
        ("目標値Ｒ５", "5件"),
        ("実績値", "10"),
        ("指標名", "件数"),
    ],
)
def test_a_value_in_a_row_without_kpi_is_refused(tmp_path: Path, column: str, value: str) -> None:
    rows = records()
    assert rows[1][col("KPI番号")] == "‐"  # row 2 is a 【目標】 row
    rows[1][col(column)] = value
    result = validate(tmp_path, to_csv(rows))
    assert_refused(result, "row 2", f"column {column}", f"'{value}'", "without a KPI")


def test_a_dash_in_a_row_without_kpi_is_no_value(tmp_path: Path) -> None:
    rows = records()
    rows[1][col("基準値")] = "-"
    assert validate(tmp_path, to_csv(rows)).exit_code == 0


# 4. Impossible years in headings ----------------------------------------------------------


@pytest.mark.parametrize(
    "old, new",
    [
        ("目標値Ｒ７", "目標値Ｒ９９９９９"),
        ("目標値Ｒ７", "目標値Ｒ０"),
        ("目標値Ｒ７", "目標値R" + "9" * 5000),
        ("令和５年度取組状況", "令和１０２０１７年度取組状況"),
    ],
)
def test_an_impossible_year_in_a_heading_is_an_input_error(
    tmp_path: Path, old: str, new: str
) -> None:
    rows = records()
    rows[0][col(old)] = new
    result = validate(tmp_path, to_csv(rows))
    assert_refused(result, "row 1", f"column {new[:20]}", "not a fiscal year")
    assert "internal error" not in result.output


def test_a_duplicated_target_heading_is_refused(tmp_path: Path) -> None:
    rows = records()
    rows[0][col("目標値Ｒ６")] = "目標値R5"  # the same year as 目標値Ｒ５ once normalised
    assert_refused(validate(tmp_path, to_csv(rows)), "row 1", "appears twice")


# 5. Encoding errors name the row ----------------------------------------------------------


def _break_row(data: bytes, row: int, bad: bytes) -> bytes:
    lines = data.split(b"\n")
    lines[row - 1] = lines[row - 1].replace(b",", b"," + bad, 1)  # into its 2nd cell
    return b"\n".join(lines)


def test_a_broken_cp932_byte_names_row_and_column(tmp_path: Path) -> None:
    data = _break_row(SOURCE.read_text("utf-8").encode("cp932"), 17, b"\x81\x7f")
    result = validate(tmp_path, data)
    assert_refused(result, "row 17", "column 再掲元", "CP932", "0x81 at offset", "neither UTF-8")


def test_a_broken_utf8_byte_names_row_and_column(tmp_path: Path) -> None:
    result = validate(tmp_path, _break_row(RAW, 40, b"\xff"))
    assert_refused(result, "row 40", "column 再掲元", "UTF-8", "0xFF")


def test_a_broken_byte_with_an_explicit_encoding_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "kpis.csv"
    path.write_bytes(_break_row(RAW, 9, b"\xff"))
    result = CliRunner().invoke(main, ["validate", str(path), "--encoding", "utf-8"])
    assert_refused(result, "row 9", "cannot be read as utf-8")


def test_iso_2022_jp_is_named(tmp_path: Path) -> None:
    result = validate(tmp_path, SOURCE.read_text("utf-8").encode("iso2022_jp", "replace"))
    assert_refused(result, "ISO-2022-JP", "UTF-8 or CP932")
    assert "quote" not in result.output


@pytest.mark.parametrize(
    "data, fragment",
    [
        (SOURCE.read_text("utf-8").encode("utf-16"), "UTF-16"),
        (b"PK\x03\x04" + bytes(200), "Excel workbook (.xlsx)"),
        ("事業No,分野\n1,I\n".encode("euc_jp"), "EUC-JP"),
    ],
    ids=["utf-16", "xlsx-named-csv", "euc-jp"],
)
def test_other_file_kinds_are_named(tmp_path: Path, data: bytes, fragment: str) -> None:
    assert_refused(validate(tmp_path, data), fragment)


def test_a_huge_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "kpis.csv"
    with path.open("wb") as out:
        out.truncate(40 * 2**20)  # sparse: 40 MiB of NUL without writing them
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert_refused(result, "40.0 MiB")


# 6. Formula-like cells in the CSV written for spreadsheets ---------------------------------


@pytest.mark.parametrize(
    "cell, escaped",
    [
        ('=HYPERLINK("http://example.org","x")', True),
        ("+cmd|' /C calc'!A0", True),
        ("-2+3", True),
        ("@SUM(1+1)", True),
        ("\t=1", True),
        ("\r=1", True),
        ("-", False),  # a printed dash: no value
        ("-5", False),
        ("-1,200", False),
        ("-3.5%", False),
        ("‐", False),
        ("", False),
        ("64,169", False),
        (" =1", False),
    ],
)
def test_formula_rule(cell: str, escaped: bool) -> None:
    assert starts_formula(cell) is escaped
    assert escape_cell(cell) == ("'" + cell if escaped else cell)


FORMULAS = {
    (5, "事業概要又は取組内容"): '=HYPERLINK("http://example.org/x","詳細")',
    (6, "令和５年度取組状況"): "+cmd|' /C calc'!A0",
    (7, "指標（ＫＰＩ）又は目標"): "-2+3",
    (8, "事業概要又は取組内容"): "@SUM(1+1)",
    (10, "令和５年度取組状況"): "\t=1+1",
}


def test_formula_cells_are_published_as_text_and_escaped_in_the_download(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    rows = records()
    for (row, column), value in FORMULAS.items():
        rows[row - 1][col(column)] = value
    source = to_csv(rows)
    (data / "dx-kpi-fy2023.csv").write_bytes(source)
    config = data / "publication.toml"
    result = CliRunner().invoke(
        main, ["build", "--config", str(config), "--out", str(tmp_path / "d")]
    )
    assert result.exit_code == 0, result.output
    assert (data / "dx-kpi-fy2023.csv").read_bytes() == source  # the source stays as typed
    published = (tmp_path / "d" / "download" / "dx-kpi-fy2023.csv").read_text("utf-8")
    cells = list(csv.reader(io.StringIO(published, newline="")))
    for (row, column), value in FORMULAS.items():
        assert cells[row - 1][col(column)] == "'" + value
    assert cells[16][col("基準値")] == "-"  # the printed dash is kept
    assert not any(starts_formula(c) for r in cells for c in r)
    # The data keeps what was typed: the escape belongs to the spreadsheet download only.
    graph = Graph().parse(tmp_path / "d" / "download" / "dx-kpi.nt", format="nt")
    assert Literal(FORMULAS[(5, "事業概要又は取組内容")], lang="ja") in set(
        graph.objects(None, SCHEMA.description)
    )


def test_the_real_download_is_the_source_byte_for_byte_after_a_bom(dist_dir: Path) -> None:
    # The BOM makes Excel read the file as UTF-8 (issue 23); the rest is the source as is.
    for name in ("dx-kpi-fy2023.csv", "organizations.csv"):
        published = (dist_dir / "download" / name).read_bytes()
        assert published == b"\xef\xbb\xbf" + (ROOT / "data" / name).read_bytes(), name


def test_a_cp932_source_with_a_formula_becomes_utf8_with_a_bom() -> None:
    data = "事業No,概要\n1,=1+1\n".encode("cp932")
    out = spreadsheet_csv(data, "kpis.csv")
    assert out == "\ufeff事業No,概要\n1,'=1+1\n".encode()


# Shape rules that must keep accepting what spreadsheets write ----------------------------


@pytest.mark.parametrize("rows_too", [True, False])
def test_a_trailing_comma_in_the_header_is_accepted(tmp_path: Path, rows_too: bool) -> None:
    rows = records()
    rows[0].append("")
    for row in rows[1:] if rows_too else []:
        row.append("")
    assert validate(tmp_path, to_csv(rows)).exit_code == 0


def test_a_value_under_the_empty_trailing_heading_is_refused(tmp_path: Path) -> None:
    rows = records()
    rows[0].append("")
    for row in rows[1:]:
        row.append("")
    rows[20][-1] = "はみ出し"
    assert_refused(validate(tmp_path, to_csv(rows)), "row 21", "column #26", "without a heading")


def test_an_unknown_encoding_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "kpis.csv"
    path.write_bytes(RAW)
    result = CliRunner().invoke(main, ["validate", str(path), "--encoding", "klingon"])
    assert_refused(result, "cannot be read as klingon", "unknown encoding")
