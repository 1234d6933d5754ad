"""Faithfulness of data/dx-kpi-fy2023.csv to the text extracted from the source PDF.

The seed is the text layer of 【資料２－２】（参考資料）行政のDX等に係る令和５年度関連事業取組実績・
成果・KPI一覧 (Fukushima Prefecture).  The CSV must hold every printed value exactly as printed;
only the line breaks caused by wrapping inside a cell are removed.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CSV_PATH = ROOT / "data" / "dx-kpi-fy2023.csv"
META_PATH = ROOT / "data" / "dx-kpi-fy2023.csv-metadata.json"
SEED_PATH = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_91a94a898c7b3f44.txt"

HEADER = [
    "事業No",
    "再掲元",
    "分野",
    "項目番号",
    "項目名称",
    "施策No",
    "施策名称",
    "部",
    "課",
    "事業名又は取組名",
    "事業概要又は取組内容",
    "目標区分",
    "指標（ＫＰＩ）又は目標",
    "KPI番号",
    "KPI再掲元",
    "指標名",
    "単位",
    "基準値",
    "目標値Ｒ４",
    "目標値Ｒ５",
    "目標値Ｒ６",
    "目標値Ｒ７",
    "実績値",
    "評価",
    "令和５年度取組状況",
]
LIST_COLUMNS = ("部", "課")
REQUIRED = ("事業No", "分野", "項目番号", "項目名称", "施策No", "部", "課", "事業名又は取組名")
# Columns in the order their cells are printed in the seed's text layer (単位 is not printed
# as a column: it is a supplementary column).
PRINT_ORDER = [
    "事業No",
    "分野",
    "項目番号",
    "項目名称",
    "施策No",
    "施策名称",
    "部",
    "課",
    "事業名又は取組名",
    "再掲元",
    "事業概要又は取組内容",
    "目標区分",
    "指標（ＫＰＩ）又は目標",
    "KPI番号",
    "指標名",
    "KPI再掲元",
    "基準値",
    "目標値Ｒ４",
    "目標値Ｒ５",
    "目標値Ｒ６",
    "目標値Ｒ７",
    "実績値",
    "評価",
    "令和５年度取組状況",
]
NO_KPI = "\u2010"  # "‐" as printed in rows without a KPI
REF = re.compile(r"※再掲[:：]No(\d+)")


def nows(text: str) -> str:
    """Remove all whitespace (including U+3000 and the em spaces of the page numbers)."""
    return "".join(text.split())


@pytest.fixture(scope="module")
def seed_text() -> str:
    if not SEED_PATH.is_file():
        pytest.skip(f"seed text of the source PDF not available at {SEED_PATH}")
    return SEED_PATH.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def raw_bytes() -> bytes:
    return CSV_PATH.read_bytes()


@pytest.fixture(scope="module")
def table(raw_bytes: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(raw_bytes.decode("utf-8"), newline="")))


@pytest.fixture(scope="module")
def rows(table: list[list[str]]) -> list[dict[str, str]]:
    return [dict(zip(table[0], r, strict=True)) for r in table[1:]]


@pytest.fixture(scope="module")
def meta() -> dict:
    return json.loads(META_PATH.read_text(encoding="utf-8"))


def cell_pieces(column: str, value: str) -> list[str]:
    return value.split(";") if column in LIST_COLUMNS else [value]


def kpi_row(rows: list[dict[str, str]], number: str) -> dict[str, str]:
    found = [r for r in rows if r["KPI番号"] == number]
    assert len(found) == 1, f"KPI {number} must be defined on exactly one row"
    return found[0]


def strip_page_furniture(seed: str) -> str:
    """The seed without the repeated page header blocks and the "N ／ 6" page numbers."""
    kept: list[str] = []
    skipping = False
    for line in seed.split("\n"):
        s = line.strip()
        if s in ("【資料２－２】", "ＫＰＩ"):
            skipping = True
        if re.fullmatch(r"\d\s*／\s*\d", s):
            continue
        if not skipping:
            kept.append(line)
        if skipping and (s.startswith("番号 名称 No") or s == "目標値"):
            skipping = False
    return "".join(kept)


# --- file format -----------------------------------------------------------------------------


def test_encoding_and_line_endings(raw_bytes: bytes) -> None:
    assert not raw_bytes.startswith(b"\xef\xbb\xbf"), "no BOM"
    text = raw_bytes.decode("utf-8")
    assert "\r" not in text
    assert text.endswith("\n")


def test_written_with_minimal_quoting(raw_bytes: bytes, table: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\n").writerows(table)
    assert out.getvalue() == raw_bytes.decode("utf-8")


def test_header(table: list[list[str]]) -> None:
    assert table[0] == HEADER
    assert all(len(r) == len(HEADER) for r in table)


# --- every value comes from the seed -----------------------------------------------------------


def test_every_cell_is_in_the_seed(rows: list[dict[str, str]], seed_text: str) -> None:
    seed = nows(seed_text)
    missing = [
        (i, col, piece)
        for i, row in enumerate(rows, start=2)
        for col, value in row.items()
        if value
        for piece in cell_pieces(col, value)
        if nows(piece) not in seed
    ]
    assert not missing, missing


def test_cells_have_no_stray_whitespace(rows: list[dict[str, str]]) -> None:
    for row in rows:
        for col, value in row.items():
            assert "\n" not in value and "\r" not in value, (col, value)
            for piece in cell_pieces(col, value):
                assert piece == piece.strip(" \u3000\t"), (col, value)


def test_whole_seed_is_covered_in_printed_order(rows: list[dict[str, str]], seed_text: str) -> None:
    """Concatenating the cells in printed order gives back the whole seed (page headers aside).

    On the last page the text shared by row 52 and the three 再掲 rows after it (a merged cell,
    stored on row 52 only) is printed once after those rows, in a scrambled order.
    """
    merged_start = next(i for i, r in enumerate(rows) if r["事業No"] == "52")
    assert merged_start == len(rows) - 4
    before = "".join(
        "".join(r[c] for c in PRINT_ORDER).replace(";", "") for r in rows[:merged_start]
    )
    tail_heads = "".join("".join(r[c] for c in PRINT_ORDER[:10]) for r in rows[merged_start:])
    r52 = rows[merged_start]
    block = "".join(
        r52[c]
        for c in (
            "事業概要又は取組内容",
            "令和５年度取組状況",
            "目標区分",
            "指標（ＫＰＩ）又は目標",
            "評価",
            "KPI番号",
            "目標値Ｒ７",
            "実績値",
            "指標名",
            "基準値",
            "目標値Ｒ４",
            "目標値Ｒ５",
            "目標値Ｒ６",
        )
    )
    assert nows(before + tail_heads + block) == nows(strip_page_furniture(seed_text))


# --- structure and counts ----------------------------------------------------------------------


def test_row_counts(rows: list[dict[str, str]]) -> None:
    assert len(rows) == 65
    numbered = [r["事業No"] for r in rows if r["事業No"] != "再掲"]
    assert numbered == [str(n) for n in range(1, 53)]
    assert sum(r["事業No"] == "再掲" for r in rows) == 13


def test_required_columns_filled(rows: list[dict[str, str]]) -> None:
    for row in rows:
        for col in REQUIRED:
            assert row[col], (row["事業No"], col)


def test_departments_pair_with_divisions(rows: list[dict[str, str]]) -> None:
    for row in rows:
        assert len(row["部"].split(";")) == len(row["課"].split(";")), row["事業No"]


def test_relisting_references(rows: list[dict[str, str]]) -> None:
    numbers = {r["事業No"] for r in rows if r["事業No"] != "再掲"}
    for row in rows:
        if row["事業No"] == "再掲":
            m = REF.fullmatch(row["再掲元"])
            assert m, row["再掲元"]
            assert m.group(1) in numbers
        else:
            assert row["再掲元"] == ""


def test_kpi_numbers(rows: list[dict[str, str]]) -> None:
    numbers = [r["KPI番号"] for r in rows if r["KPI番号"].isdigit()]
    assert numbers == [str(n) for n in range(1, 20)]
    allowed = set(numbers) | {"再掲", NO_KPI, ""}
    assert {r["KPI番号"] for r in rows} <= allowed
    for row in rows:
        if row["KPI番号"] == "再掲":
            m = REF.fullmatch(row["KPI再掲元"])
            assert m, row["KPI再掲元"]
            assert m.group(1) in numbers
            assert row["指標名"] == kpi_row(rows, m.group(1))["指標名"]
        else:
            assert row["KPI再掲元"] == ""


def test_rows_without_kpi_have_no_kpi_values(rows: list[dict[str, str]]) -> None:
    kpi_cols = HEADER[HEADER.index("指標名") : HEADER.index("令和５年度取組状況")]
    for row in rows:
        if row["KPI番号"] in (NO_KPI, ""):
            assert all(row[c] == "" for c in kpi_cols), row["事業No"]
        if not row["KPI番号"].isdigit():
            assert row["単位"] == "", row["事業No"]


def test_goal_kind(rows: list[dict[str, str]]) -> None:
    assert {r["目標区分"] for r in rows} == {"【目標】", "【指標（KPI）】", ""}
    for row in rows:
        if row["KPI番号"] not in (NO_KPI, ""):
            assert row["目標区分"] == "【指標（KPI）】", row["事業No"]


def test_merged_cell_stored_on_first_row_only(rows: list[dict[str, str]]) -> None:
    last = rows[-4:]
    assert [r["事業No"] for r in last] == ["52", "再掲", "再掲", "再掲"]
    assert [r["再掲元"] for r in last[1:]] == ["※再掲:No52"] * 3
    assert [r["施策No"] for r in last] == ["(1)", "(2)", "(3)", "(4)"]
    merged_cols = HEADER[HEADER.index("事業概要又は取組内容") :]
    for row in last[1:]:
        assert all(row[c] == "" for c in merged_cols)
    r52 = last[0]
    assert r52["KPI番号"] == "19"
    assert r52["指標名"] == "スマートシティに取組む市町村数"
    values = [r52[c] for c in HEADER[HEADER.index("基準値") : HEADER.index("令和５年度取組状況")]]
    assert values == ["1", "2", "4", "5", "7", "7", "○（達成）"]


# --- spot checks -------------------------------------------------------------------------------


def test_spot_kpi3(rows: list[dict[str, str]]) -> None:
    r = kpi_row(rows, "3")
    assert r["事業No"] == "14"
    assert r["基準値"] == "14442"
    assert r["目標値Ｒ７"] == "70000"
    assert r["実績値"] == "64,169"
    assert r["評価"] == "○（達成）"
    assert r["単位"] == "件"


def test_spot_kpi6(rows: list[dict[str, str]]) -> None:
    assert kpi_row(rows, "6")["基準値"] == "40百万枚"


def test_spot_kpi16(rows: list[dict[str, str]]) -> None:
    r = kpi_row(rows, "16")
    assert r["目標値Ｒ５"] == "ほぼ100%"
    assert r["実績値"] == "人口に対する保有枚数率：74％"
    assert r["評価"] == "△（一部達成）"


def test_spot_project8(rows: list[dict[str, str]]) -> None:
    r = next(r for r in rows if r["事業No"] == "8")
    assert r["部"] == "総務部;企画調整部"
    assert r["課"] == "行政経営課;デジタル変革課"
    assert r["KPI番号"] == "2"


def test_spot_kpi12_in_relisted_row(rows: list[dict[str, str]]) -> None:
    r = kpi_row(rows, "12")
    assert r["事業No"] == "再掲"
    assert r["再掲元"] == "※再掲:No4"
    assert (r["施策No"], r["施策名称"]) == ("(9)", "テレワークの推進")
    assert r["目標値Ｒ４"] == "4以上"
    assert r["基準値"] == "-"
    assert r["実績値"] == "3.54"


def test_spot_kpi18_in_relisted_row(rows: list[dict[str, str]]) -> None:
    r = kpi_row(rows, "18")
    assert r["事業No"] == "再掲"
    assert r["再掲元"] == "※再掲:No46"
    assert (r["施策No"], r["施策名称"]) == ("(10)", "オープンデータの促進")


def test_spot_printed_oddities_kept(rows: list[dict[str, str]]) -> None:
    by_no = {r["事業No"]: r for r in rows if r["事業No"] != "再掲"}
    assert "システムをの更新" in by_no["35"]["事業概要又は取組内容"]
    assert "グループウェアや等" in by_no["36"]["事業概要又は取組内容"]
    assert by_no["12"]["事業概要又は取組内容"].endswith("利用者の増加に務める。")
    assert by_no["10"]["KPI番号"] == "再掲"
    assert by_no["10"]["KPI再掲元"] == "※再掲:No2"
    assert by_no["9"]["事業名又は取組名"] == "電子決裁の拡充 文書管理システム再構築事業"
    assert by_no["24"]["施策No"] == "(6)ア"
    assert by_no["24"]["施策名称"] == "ＡＩの活用\u3000議事録の作成支援"
    assert by_no["25"]["施策名称"] == "ＡＩの活用 ＡＩチャットボットの導入"
    assert by_no["29"]["施策No"] == "計画" and by_no["29"]["施策名称"] == ""
    assert any(r["再掲元"] == "※再掲：No46" for r in rows)


# --- CSVW metadata -----------------------------------------------------------------------------


def test_metadata_matches_csv(meta: dict, table: list[list[str]]) -> None:
    assert meta["@context"] == ["http://www.w3.org/ns/csvw", {"@language": "ja"}]
    assert meta["url"] == CSV_PATH.name
    columns = meta["tableSchema"]["columns"]
    assert [c["titles"]["ja"] for c in columns] == table[0]
    names = [c["name"] for c in columns]
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", n) for n in names)
    for col in columns:
        assert col["titles"]["ja"] and col["titles"]["en"], col["name"]
        assert col["datatype"] == "string"
        langs = {d["@language"] for d in col["dc:description"]}
        assert langs == {"ja", "en"}, col["name"]
    by_ja = {c["titles"]["ja"]: c for c in columns}
    assert {t for t, c in by_ja.items() if c.get("separator") == ";"} == set(LIST_COLUMNS)
    assert {t for t, c in by_ja.items() if c.get("required")} == set(REQUIRED)
    assert meta["dialect"] == {"header": True, "encoding": "utf-8"}
    for prop in ("dc:title", "dc:description", "dc:publisher"):
        assert {v["@language"] for v in meta[prop]} == {"ja", "en"}, prop
