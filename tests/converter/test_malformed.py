"""A corpus of malformed tables: each gets a clear message naming file, row and column,
exit code 2, no traceback, and nothing written."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from converter.cli import main
from tests.conftest import ROOT

SOURCE = ROOT / "data" / "dx-kpi-fy2023.csv"
ORGS = ROOT / "data" / "organizations.csv"

Records = list[list[str]]


def records() -> Records:
    return list(csv.reader(io.StringIO(SOURCE.read_text("utf-8"), newline="")))


def col(name: str) -> int:
    return records()[0].index(name)


def to_csv(rows: Records, *, newline: str = "\n") -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator=newline).writerows(rows)
    return out.getvalue().encode("utf-8")


def edit(row: int, column: str, value: str) -> Callable[[Records], Records]:
    """Set one cell; ``row`` is the spreadsheet row number (header = 1)."""

    def apply(rows: Records) -> Records:
        rows[row - 1][col(column)] = value
        return rows

    return apply


def rename(old: str, new: str) -> Callable[[Records], Records]:
    def apply(rows: Records) -> Records:
        rows[0][rows[0].index(old)] = new
        return rows

    return apply


def drop_column(name: str) -> Callable[[Records], Records]:
    def apply(rows: Records) -> Records:
        index = rows[0].index(name)
        return [r[:index] + r[index + 1 :] for r in rows]

    return apply


# (case id, mutation of the records, expected fragments of the message)
CSV_CASES: list[tuple[str, Callable[[Records], Records], list[str]]] = [
    (
        "bad-number-comma",
        edit(9, "目標値Ｒ５", "67,4%"),
        ["row 9", "目標値Ｒ５", "'67,4%' is not a number"],
    ),
    ("bad-number-text", edit(15, "基準値", "たくさん"), ["row 15", "基準値", "is not a number"]),
    (
        "two-qualifiers",
        edit(51, "目標値Ｒ６", "ほぼ100%以上"),
        ["row 51", "目標値Ｒ６", "two qualifiers"],
    ),
    ("bad-actual", edit(7, "実績値", "10業務?"), ["row 7", "実績値", "is not a number"]),
    ("duplicate-project", edit(3, "事業No", "1"), ["row 3", "事業No", "project 1 appears twice"]),
    ("project-not-number", edit(4, "事業No", "三"), ["row 4", "事業No", "'三' is not a number"]),
    (
        "relisting-missing-project",
        edit(30, "再掲元", "※再掲:No99"),
        ["row 30", "再掲元", "project 99"],
    ),
    (
        "relisting-same-plan-item",
        lambda rows: [*rows, ["再掲", "※再掲:No3", *rows[3][2:]]],
        ["row 67", "事業No", "project 3 is listed twice under plan item I-1-1"],
    ),
    (
        "relisting-bad-reference",
        edit(30, "再掲元", "see No4"),
        ["row 30", "再掲元", "is not a 再掲 reference"],
    ),
    ("relisting-empty-reference", edit(30, "再掲元", ""), ["row 30", "再掲元"]),
    (
        "kpi-relisting-missing",
        edit(11, "KPI再掲元", "※再掲:No42"),
        ["row 11", "KPI再掲元", "KPI 42"],
    ),
    ("duplicate-kpi", edit(15, "KPI番号", "2"), ["row 15", "KPI番号", "KPI 2 is defined twice"]),
    ("kpi-not-number", edit(15, "KPI番号", "三"), ["row 15", "KPI番号", "is not a number"]),
    ("kpi-without-name", edit(15, "指標名", ""), ["row 15", "指標名", "needs a name"]),
    ("bad-evaluation", edit(15, "評価", "◎（大成功）"), ["row 15", "評価", "is not an evaluation"]),
    ("bad-field", edit(2, "分野", "A"), ["row 2", "分野", "Roman numeral"]),
    ("bad-item-number", edit(2, "項目番号", "一"), ["row 2", "項目番号", "is not a number"]),
    ("bad-measure", edit(2, "施策No", "1"), ["row 2", "施策No", "is not a measure number"]),
    (
        "sub-item-without-name",
        edit(25, "施策名称", "ＡＩの活用"),
        ["row 25", "施策名称", "sub-item"],
    ),
    (
        "conflicting-item-name",
        edit(3, "項目名称", "別の名前"),
        ["row 3", "項目名称", "differs from"],
    ),
    (
        "unknown-department",
        edit(2, "部", "未来部"),
        ["row 2", "部", "'未来部' is not in organizations.csv"],
    ),
    ("unknown-division", edit(2, "課", "未来課"), ["row 2", "課", "'未来課' under '総務部'"]),
    ("unpaired-departments", edit(9, "課", "行政経営課"), ["row 9", "課", "2 部 but 1 課"]),
    (
        "empty-required",
        edit(5, "事業名又は取組名", ""),
        ["row 5", "事業名又は取組名", "must not be empty"],
    ),
    ("bad-goal-kind", edit(2, "目標区分", "【目的】"), ["row 2", "目標区分", "is not 【目標】"]),
    ("unit-mismatch", edit(9, "単位", "時間"), ["row 9", "単位", "printed in '%'", "'時間'"]),
    (
        "embedded-newline",
        edit(6, "事業概要又は取組内容", "一行目\n二行目"),
        ["row 6", "事業概要又は取組内容", "line break"],
    ),
    (
        "renamed-column",
        rename("事業名又は取組名", "事業名"),
        ["row 1", "事業名又は取組名", "'事業名'"],
    ),
    ("missing-column", drop_column("評価"), ["row 1", "missing column", "評価"]),
    (
        "renamed-status-column",
        rename("令和５年度取組状況", "取組状況"),
        ["row 1", "令和○年度取組状況"],
    ),
    (
        "no-target-columns",
        lambda rows: drop_column("目標値Ｒ４")(
            drop_column("目標値Ｒ５")(drop_column("目標値Ｒ６")(drop_column("目標値Ｒ７")(rows)))
        ),
        ["row 1", "目標値Ｒ○"],
    ),
    ("duplicate-column", rename("課", "部"), ["row 1", "appears twice"]),
    (
        "extra-cells",
        lambda rows: [*rows[:5], [*rows[5], "余分"], *rows[6:]],
        ["row 6", "cells but the header has"],
    ),
    ("header-only", lambda rows: rows[:1], ["no data rows"]),
]


@pytest.fixture
def run(tmp_path: Path):  # type: ignore[no-untyped-def]
    def invoke(name: str, data: bytes, *extra: str):  # type: ignore[no-untyped-def]
        table = tmp_path / name
        table.write_bytes(data)
        return CliRunner().invoke(main, ["validate", str(table), *extra])

    return invoke


def assert_input_error(result, fragments: list[str], file: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    message = result.output
    assert file in message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


@pytest.mark.parametrize("case, mutate, fragments", CSV_CASES, ids=[c[0] for c in CSV_CASES])
def test_malformed_csv(run, case: str, mutate, fragments: list[str]) -> None:  # type: ignore[no-untyped-def]
    result = run("kpis.csv", to_csv(mutate(records())))
    assert_input_error(result, fragments, "kpis.csv")


@pytest.mark.parametrize(
    "case, data, fragments",
    [
        ("empty-file", b"", ["the file is empty"]),
        ("blank-file", b"\n\n  \n", ["the file is empty"]),
        ("latin-1", "Müller,ß\n".encode("latin-1") + b"\xff\xfe\x00", ["neither UTF-8 nor CP932"]),
        ("binary", bytes(range(256)) * 4, ["neither UTF-8 nor CP932"]),
        ("euc-jp", "事業No,分野\n1,I\n".encode("euc_jp"), ["neither UTF-8 nor CP932"]),
        ("unterminated-quote", b'\xe4\xba\x8b\xe6\xa5\xadNo,"abc\n', ["row 1"]),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_malformed_bytes(run, case: str, data: bytes, fragments: list[str]) -> None:  # type: ignore[no-untyped-def]
    result = run("kpis.csv", data)
    assert_input_error(result, fragments, "kpis.csv")


def test_wrong_explicit_encoding(run) -> None:  # type: ignore[no-untyped-def]
    result = run("kpis.csv", SOURCE.read_bytes(), "--encoding", "ascii")
    assert_input_error(result, ["cannot be read as ascii"], "kpis.csv")


def test_missing_file() -> None:
    result = CliRunner().invoke(main, ["validate", "/nonexistent/kpis.csv"])
    assert_input_error(result, ["file not found"], "kpis.csv")


@pytest.mark.parametrize("extra", ["bom", "crlf", "cp932"])
def test_accepted_variants(run, extra: str) -> None:  # type: ignore[no-untyped-def]
    """BOM, CRLF and CP932 are read as the same table (not errors)."""
    text = SOURCE.read_text("utf-8")
    data = {
        "bom": b"\xef\xbb\xbf" + text.encode("utf-8"),
        "crlf": to_csv(records(), newline="\r\n"),
        "cp932": text.encode("cp932"),
    }[extra]
    result = run("kpis.csv", data)
    assert result.exit_code == 0, result.output
    assert "52 projects, 19 KPIs, 65 rows (13 再掲)" in result.output


def workbook(path: Path, rows: Records, *, merge: str | None = None, empty: bool = False) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "KPI"
    if not empty:
        for row in rows:
            sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    book.save(path)


@pytest.mark.parametrize(
    "case, kwargs, fragments",
    [
        ("merged", {"merge": "K53:K56"}, ["sheet KPI", "cell K53:K56", "merged cells"]),
        ("empty-sheet", {"empty": True}, ["sheet KPI", "the sheet is empty"]),
    ],
)
def test_malformed_xlsx(tmp_path: Path, case: str, kwargs: dict, fragments: list[str]) -> None:
    path = tmp_path / "kpis.xlsx"
    workbook(path, records(), **kwargs)
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert_input_error(result, fragments, "kpis.xlsx")


def test_xlsx_unknown_sheet(tmp_path: Path) -> None:
    path = tmp_path / "kpis.xlsx"
    workbook(path, records())
    result = CliRunner().invoke(main, ["validate", str(path), "--sheet", "Sheet9"])
    assert_input_error(result, ["no sheet named 'Sheet9'", "KPI"], "kpis.xlsx")


def test_not_really_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "kpis.xlsx"
    path.write_bytes(SOURCE.read_bytes())
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert_input_error(result, ["not a readable .xlsx workbook"], "kpis.xlsx")


def test_corpus_is_large_enough() -> None:
    assert len(CSV_CASES) >= 30
