"""Round trips with real tools: a template filled with an edition's printed values builds
exactly what the edition's CSV builds, also after LibreOffice has opened and saved it."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from converter.reader import read_table
from converter.workbook.schema import INPUT_SHEET, STAMP_KEYS
from tests.conftest import PUBLICATION
from tests.converter.workbook.conftest import (
    FIXTURE,
    FY2023,
    FY2024,
    assert_same_publication,
    build_from,
    fill_like,
    publication_with,
    template,
)
from tests.converter.workbook.office import soffice


@pytest.fixture(scope="module")
def real_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_from(PUBLICATION, tmp_path_factory.mktemp("csv") / "dist")


@pytest.fixture(scope="module")
def fixture_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_from(FIXTURE / "publication.toml", tmp_path_factory.mktemp("fy2024") / "dist")


@pytest.fixture(scope="module")
def filled_fy2024(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The FY2024 template (carried forward from FY2023) filled with the fixture's edition."""
    folder = tmp_path_factory.mktemp("filled")
    out = folder / "dx-kpi-fy2024.xlsx"
    counts = fill_like(template(folder), FY2024, out)
    # What the fixture's README lists: 1 project added, 1 dropped, 1 renamed, 1 target
    # revised; the rest is the new edition's cells.
    assert (counts["carried changed"], counts["dropped"], counts["added"]) == (2, 1, 1), counts
    assert counts["typed"] > 100  # the actuals, evaluations and status texts
    return out


def test_fy2023_template_filled_with_fy2023_values_builds_the_fy2023_graph(
    tmp_path: Path, real_build: Path
) -> None:
    workbook = tmp_path / "dx-kpi-fy2023.xlsx"
    counts = fill_like(template(tmp_path, edition=2023, year=2023), FY2023, workbook)
    assert counts["carried changed"] == 0 and counts["dropped"] == counts["added"] == 0
    config = publication_with(tmp_path, {2023: workbook})
    built = build_from(config, tmp_path / "dist")
    assert_same_publication(real_build, built)


def test_fy2024_template_filled_with_the_fixture_builds_the_fixture_graph(
    tmp_path: Path, filled_fy2024: Path, fixture_build: Path
) -> None:
    config = publication_with(tmp_path, {2024: filled_fy2024}, FIXTURE / "publication.toml")
    built = build_from(config, tmp_path / "dist")
    assert_same_publication(fixture_build, built)


def test_a_template_saved_by_libreoffice_reads_back_the_same(tmp_path: Path) -> None:
    made = template(tmp_path)
    saved = soffice(made, tmp_path / "lo", "xlsx")
    before, after = read_table(made), read_table(saved)
    assert after.rows == before.rows and after.records == before.records
    assert after.stamp == before.stamp and set(after.stamp) == set(STAMP_KEYS)


def test_a_filled_workbook_saved_by_libreoffice_builds_the_fixture_graph(
    tmp_path: Path, filled_fy2024: Path, fixture_build: Path
) -> None:
    saved = soffice(filled_fy2024, tmp_path / "lo", "xlsx")
    assert read_table(saved).records == read_table(filled_fy2024).records
    config = publication_with(tmp_path, {2024: saved}, FIXTURE / "publication.toml")
    assert_same_publication(fixture_build, build_from(config, tmp_path / "dist"))


def test_libreoffice_keeps_protection_dropdowns_and_notes(tmp_path: Path) -> None:
    # (Headless LibreOffice writes no view settings, so the frozen panes are not kept by
    # this conversion; LibreOffice and Excel with a window keep them.)
    saved = soffice(template(tmp_path), tmp_path / "lo", "xlsx")
    sheet = load_workbook(saved)[INPUT_SHEET]
    assert sheet.protection.sheet
    formulas = {str(v.formula1) for v in sheet.data_validations.dataValidation}
    assert any("INDIRECT" in f for f in formulas) and any("評価一覧" in f for f in formulas)
    assert all(cell.comment is not None for cell in sheet[1])


def test_every_csv_offered_for_download_opens_in_excel_as_utf8(real_build: Path) -> None:
    csvs = sorted((real_build / "download").glob("*.csv"))
    assert [p.name for p in csvs] == ["dx-kpi-fy2023.csv", "organizations.csv"]
    for path in csvs:
        assert path.read_bytes().startswith(b"\xef\xbb\xbf"), path.name
        path.read_bytes().decode("utf-8")


def test_a_workbook_edition_is_published_as_its_csv_with_a_bom(
    tmp_path: Path, filled_fy2024: Path
) -> None:
    config = publication_with(tmp_path, {2024: filled_fy2024}, FIXTURE / "publication.toml")
    download = build_from(config, tmp_path / "dist") / "download"
    assert not list(download.glob("*.xlsx"))
    assert (download / "dx-kpi-fy2024.csv").read_bytes() == b"\xef\xbb\xbf" + FY2024.read_bytes()
