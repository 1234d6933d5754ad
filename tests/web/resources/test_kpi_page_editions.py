"""A KPI page over several editions: one row per value, the latest edition's, and a revised
target keeps what the earlier report printed beside it (docs/editions.md)."""

from __future__ import annotations

import re
from pathlib import Path

from server.app import create_app
from server.stores.local import LocalStore


def _rows(dist: Path, lang: str) -> list[str]:
    app = create_app({"TESTING": True, "DIST_DIR": str(dist)}, store=LocalStore.from_build(dist))
    html = app.test_client().get(f"/id/kpi/3?lang={lang}", headers={"Accept": "text/html"})
    table = html.get_data(as_text=True).split('class="data kpi-values-table"', 1)[1]
    table = table.split("</table>", 1)[0]
    return [
        " ".join(re.sub(r"<[^>]+>", " ", "<tr" + row).split()) for row in table.split("<tr")[2:]
    ]


def test_two_editions_give_one_row_per_value(two_dist: Path) -> None:
    rows = _rows(two_dist, "ja")
    kinds = [row.split(" ", 1)[0] for row in rows]
    assert kinds.count("目標値") == 4 and kinds.count("実績値") == 2 and kinds.count("基準値") == 1
    r7 = next(row for row in rows if row.startswith("目標値 令和7年度"))
    assert "75000" in r7 and "令和5年度版では 70000（改定前）" in r7
    english = next(row for row in _rows(two_dist, "en") if row.startswith("Target FY2025"))
    assert "70000 in the FY2023 report (before revision)" in english


def test_one_edition_shows_no_revision(dist_dir: Path) -> None:
    rows = _rows(dist_dir, "ja")
    assert len(rows) == 6  # baseline, R4-R7 targets, the R5 actual
    assert not any("改定前" in row for row in rows)
