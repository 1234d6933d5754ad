"""Issue 12, defect 7: nothing published is lost through a valid-looking table.

A build compares itself with the build it replaces, prints what changes (in Japanese and
English), and refuses to remove published projects, KPIs, rows or values unless it is told
``--allow-removals``; a refused build leaves the previous ``dist/`` byte for byte.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from converter.cli import main
from tests.conftest import ROOT
from tests.support.trees import file_digests

TABLE = "dx-kpi-fy2023.csv"


@pytest.fixture
def published(dist_dir: Path, tmp_path: Path) -> Path:
    """A copy of the real build: the publication a new build would replace."""
    out = tmp_path / "dist"
    shutil.copytree(dist_dir, out)
    return out


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(ROOT / "data", folder)
    return folder


def edit_table(data: Path, old: str, new: str, count: int = 1) -> None:
    path = data / TABLE
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, count), "utf-8")


def build(data: Path, out: Path, *extra: str) -> Result:
    config = str(data / "publication.toml")
    return CliRunner().invoke(main, ["build", "--config", config, "--out", str(out), *extra])


def test_a_first_build_prints_no_refusal(data: Path, tmp_path: Path) -> None:
    result = build(data, tmp_path / "new")
    assert result.exit_code == 0, result.output
    assert "初回の公開です / first publication" in result.stdout
    assert "--allow-removals" not in result.output


def test_the_same_table_changes_nothing(data: Path, published: Path) -> None:
    result = build(data, published)
    assert result.exit_code == 0, result.output
    assert "値 / values: 追加 added 0, 削除 removed 0, 変更 changed 0" in result.stdout
    assert "事業 / projects: 追加 added 0, 削除 removed 0, 変更 changed 0" in result.stdout


def test_a_changed_value_is_summarised_and_built(data: Path, published: Path) -> None:
    edit_table(data, '"64,169"', '"64,170"')
    result = build(data, published)
    assert result.exit_code == 0, result.output
    assert "値 / values: 追加 added 0, 削除 removed 0, 変更 changed 1" in result.stdout
    assert "id/value/fy2023/kpi-3/actual-fy2023: 「64,169」→「64,170」" in result.stdout
    assert '"64,170"' in (published / "download" / TABLE).read_text("utf-8")


def test_a_table_cut_at_a_row_boundary_is_refused(data: Path, published: Path) -> None:
    path = data / TABLE
    lines = path.read_bytes().split(b"\n")
    path.write_bytes(b"\n".join(lines[:40]) + b"\n")  # a valid table of 39 rows
    before = file_digests(published)
    result = build(data, published)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    error = result.stderr.splitlines()[-1]
    assert error.startswith("エラー / error: dx-kpi-fy2023.csv: 公開中の令和5年度版（FY2023）から")
    assert "--allow-removals" in error and "FY2023 edition" in error
    assert "14 projects, 6 KPIs, 26 rows, 36 values" in error
    assert "削除 / removed 事業 / projects id/project/fy2023/39" in result.stderr
    assert file_digests(published) == before


def test_allow_removals_replaces_the_publication(data: Path, published: Path) -> None:
    path = data / TABLE
    path.write_bytes(b"\n".join(path.read_bytes().split(b"\n")[:40]) + b"\n")
    result = build(data, published, "--allow-removals")
    assert result.exit_code == 0, result.output
    assert "事業 / projects: 追加 added 0, 削除 removed 14" in result.stdout
    manifest = json.loads((published / "manifest.json").read_text("utf-8"))
    assert manifest["triples"] < 4000


def test_an_emptied_value_is_refused_before_the_removals_gate(data: Path, published: Path) -> None:
    # An empty value of a KPI row would publish a value without its notation (and remove
    # the published one): the reader names the cell first (issue 23).
    edit_table(data, '"64,169"', "")
    before = file_digests(published)
    result = build(data, published)
    assert result.exit_code == 2, result.output
    assert "row 15 (project 14)" in result.stderr and "column 実績値" in result.stderr
    assert "KPI の値が空欄です" in result.stderr
    assert file_digests(published) == before


def test_a_dropped_edition_is_a_removal(data: Path, published: Path) -> None:
    config = data / "publication.toml"
    text = config.read_text("utf-8")
    config.write_text(text.replace("fiscal_year = 2023", "fiscal_year = 2024"), "utf-8")
    edit_table(data, "令和５年度取組状況", "令和６年度取組状況")
    before = file_digests(published)
    result = build(data, published)
    assert result.exit_code == 2, result.output
    assert "公開終了 / no longer built" in result.stderr
    assert "from the FY2023 edition" in result.output
    assert file_digests(published) == before


def test_an_unreadable_publication_is_not_replaced_blindly(data: Path, published: Path) -> None:
    (published / "graphs" / "fy2023.nt").write_bytes(b"<not n-triples")
    before = file_digests(published)
    result = build(data, published)
    assert result.exit_code == 2, result.output
    assert "cannot be read" in result.output and "--allow-removals" in result.output
    assert file_digests(published) == before
    forced = build(data, published, "--allow-removals")
    assert forced.exit_code == 0, forced.output


def test_a_new_base_iri_is_not_a_change(data: Path, published: Path) -> None:
    result = build(data, published, "--base-iri", "https://example.org/dx/")
    assert result.exit_code == 0, result.output
    assert "値 / values: 追加 added 0, 削除 removed 0, 変更 changed 0" in result.stdout


def test_a_new_edition_is_added_without_refusal(published: Path, tmp_path: Path) -> None:
    from tests.converter.test_editions import second_edition

    (tmp_path / "two").mkdir()
    config = second_edition(tmp_path / "two")
    result = CliRunner().invoke(main, ["build", "--config", str(config), "--out", str(published)])
    assert result.exit_code == 0, result.output
    assert "令和6年度版 / FY2024（新規 / new edition）" in result.stdout
    assert "事業 / projects: 追加 added 52, 削除 removed 0, 変更 changed 0" in result.stdout
