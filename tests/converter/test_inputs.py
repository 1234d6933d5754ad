"""The same table from UTF-8 CSV, CP932 CSV and Excel gives the same graph."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from rdflib import Graph
from rdflib.compare import isomorphic

from converter.build import convert_table
from converter.cli import main
from converter.vocab import DX
from tests.conftest import PUBLICATION, ROOT

SOURCE = ROOT / "data" / "dx-kpi-fy2023.csv"
ORGS = ROOT / "data" / "organizations.csv"


@pytest.fixture(scope="module")
def reference():  # type: ignore[no-untyped-def]
    return convert_table(SOURCE, ORGS)[0]


def test_cp932_detected(tmp_path: Path, reference) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "dx-kpi-fy2023.csv"
    path.write_bytes(SOURCE.read_text("utf-8").encode("cp932"))
    assert isomorphic(convert_table(path, ORGS)[0], reference)


def test_shift_jis_given_by_option(tmp_path: Path, reference) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "dx-kpi-fy2023.csv"
    path.write_bytes(SOURCE.read_text("utf-8").encode("cp932"))
    assert isomorphic(
        convert_table(path, ORGS, encoding="shift_jis_2004")[0], reference
    ) or isomorphic(convert_table(path, ORGS, encoding="cp932")[0], reference)


def test_xlsx(tmp_path: Path, reference) -> None:  # type: ignore[no-untyped-def]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    rows = list(csv.reader(io.StringIO(SOURCE.read_text("utf-8"), newline="")))
    for row in rows:
        sheet.append(row)
    # Staff type numbers as numbers: Excel stores 14442 as an int and 48.2% as 0.482.
    sheet["R15"] = 14442
    sheet["R9"] = 0.482
    sheet["R9"].number_format = "0.0%"
    path = tmp_path / "dx-kpi-fy2023.xlsx"
    book.save(path)
    graph = convert_table(path, ORGS)[0]
    # Only the recorded source file name differs.
    for g in (graph, reference := reference + Graph()):
        g.remove((None, DX.sourceTable, None))
    assert isomorphic(graph, reference)


def test_cli_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(main, ["build", "--out", str(tmp_path / "dist")])
    assert ok.exit_code == 0, ok.output
    assert re.search(r"OK: \d{4,} triples, editions \[2023\]", ok.output), ok.output
    bad_config = runner.invoke(
        main, ["build", "--config", str(tmp_path / "none.toml"), "--out", str(tmp_path / "x")]
    )
    assert bad_config.exit_code == 2 and "cannot be read" in bad_config.output
    assert not (tmp_path / "x").exists()
    formats = runner.invoke(main, ["formats"])
    assert formats.output.splitlines()[0] == "ttl\ttext/turtle\tTurtle"


def test_cli_shacl_failure_exits_1(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for name in ("organizations.csv", "dx-kpi-fy2023.csv-metadata.json"):
        (data / name).write_bytes((ROOT / "data" / name).read_bytes())
    # A 部 without an English name passes the reader but not the gate (uniqueLang is fine,
    # but an empty @en label is not a label): use a project number 0, which SHACL forbids.
    (data / "dx-kpi-fy2023.csv").write_text(
        SOURCE.read_text("utf-8").replace("\n1,,Ⅰ,", "\n0,,Ⅰ,", 1), "utf-8"
    )
    (data / "publication.toml").write_text(PUBLICATION.read_text("utf-8"), "utf-8")
    result = CliRunner().invoke(
        main, ["build", "--config", str(data / "publication.toml"), "--out", str(tmp_path / "dist")]
    )
    assert result.exit_code == 1, result.output
    assert "事業Noは1以上の整数一つです。" in result.output
    assert "needs exactly one project number, an integer ≥ 1" in result.output
    assert "/id/project/fy2023/0" in result.output
    assert not (tmp_path / "dist").exists()


def test_internal_error_is_one_line_and_exit_3(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("simulated bug")

    monkeypatch.setattr("converter.cli.build", broken)
    result = CliRunner().invoke(main, ["build", "--out", str(tmp_path / "dist")])
    assert result.exit_code == 3
    assert "internal error" in result.output and "simulated bug" in result.output
    assert "Traceback" not in result.output
