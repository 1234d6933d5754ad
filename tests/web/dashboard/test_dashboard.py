"""Issue 11: the KPI dashboard, its data (CSV, JSON), its SVG charts and the embed view.

Runs on both stores (``client``); the expected numbers come from the source CSV, read here
independently of the converter, or from the fictional FY2024 edition's README.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import tomllib
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from converter.spreadsheet import starts_formula
from tests.conftest import ROOT

CSV = ROOT / "data" / "dx-kpi-fy2023.csv"
EVALUATIONS = {
    "○（達成）": "Achieved",
    "△（一部達成）": "PartiallyAchieved",
    "×（未達成）": "NotAchieved",
}


def source_rows() -> list[dict[str, str]]:
    with CSV.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def defining_rows() -> dict[int, dict[str, str]]:
    """Each KPI's own row (not a 再掲 row), by KPI number."""
    return {int(r["KPI番号"]): r for r in source_rows() if r["KPI番号"].isdigit()}


def page(client: Any, path: str) -> str:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "text/html"
    return str(response.get_data(as_text=True))


def cards(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<article class="kpi-card[^"]*" id="kpi-(\d+)"', html)]


def test_summary_counts_match_the_source_table(client: Any) -> None:
    expected = Counter(EVALUATIONS[r["評価"]] for r in defining_rows().values())
    html = page(client, "/dashboard")
    for key in ("Achieved", "PartiallyAchieved", "NotAchieved", "none"):
        shown = re.search(rf'data-count="{key}">(\d+)<', html)
        assert shown is not None and int(shown.group(1)) == expected.get(key, 0), key
    assert sorted(cards(html)) == sorted(defining_rows())


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_page_in_both_languages_without_script(client: Any, lang: str) -> None:
    html = page(client, f"/dashboard?lang={lang}")
    assert f'<html lang="{lang}">' in html
    heading = "KPIダッシュボード" if lang == "ja" else "KPI dashboard"
    assert f"<h1>{heading}</h1>" in html
    assert "<script" not in html  # filters and sorting are plain links and a GET form
    assert '<form class="filters" method="get" action="/dashboard"' in html
    assert "出典：福島県「福島県 行政のＤＸ関連事業・ＫＰＩ一覧" in html  # PDL1.0 attribution
    if lang == "en":
        assert "Source: Fukushima Prefecture" in html
        assert ">Achieved<" in html and "Evaluation" in html


def test_every_kpi_has_a_chart_a_page_link_and_its_direction(client: Any) -> None:
    html = page(client, "/dashboard")
    for number, row in defining_rows().items():
        card = html[html.index(f'id="kpi-{number}"') :]
        card = card[: card.index("</article>")]
        assert f'href="/id/kpi/{number}"' in card
        assert "<svg" in card and 'class="bar target"' in card
        assert row["指標名"].strip() in card
    copier = html[html.index('id="kpi-6"') :]  # コピー用紙購入量: less is better
    assert "↓ 小さいほど良い" in copier[: copier.index("</article>")]


@pytest.mark.parametrize(
    ("query", "keep"),
    [
        ("eval=PartiallyAchieved", lambda r: r["評価"] == "△（一部達成）"),
        ("eval=Achieved", lambda r: r["評価"] == "○（達成）"),
        ("field=II", lambda r: r["分野"] == "Ⅱ"),
        ("dept=suito-kyoku", lambda r: r["部"] == "出納局"),
        ("field=II&eval=Achieved", lambda r: r["分野"] == "Ⅱ" and r["評価"] == "○（達成）"),
        ("eval=NotAchieved", lambda r: False),
    ],
)
def test_filters_by_query(client: Any, query: str, keep: Any) -> None:
    # A KPI counts under the plan item of the row that defines it, not its 再掲 rows.
    expected = sorted(n for n, r in defining_rows().items() if keep(r))
    assert sorted(cards(page(client, f"/dashboard?{query}"))) == expected
    if not expected:
        assert "条件に合うKPIはありません。" in page(client, f"/dashboard?{query}")


def test_sorting(client: Any) -> None:
    by_number = cards(page(client, "/dashboard"))
    assert by_number == sorted(by_number)
    by_evaluation = cards(page(client, "/dashboard?sort=evaluation"))
    partial = {n for n, r in defining_rows().items() if r["評価"] == "△（一部達成）"}
    assert set(by_evaluation[: len(partial)]) == partial  # not achieved first, then partly
    progress = client.get("/dashboard.json").get_json()["kpis"]
    done = {k["number"]: k["progress_percent"] for k in progress}
    by_progress = cards(page(client, "/dashboard?sort=progress"))
    numbers = [done[n] for n in by_progress if done[n] is not None]
    assert numbers == sorted(numbers)
    assert cards(page(client, "/dashboard?sort=nonsense")) == by_number


def test_the_whole_dashboard_as_csv(client: Any, store: Any) -> None:
    response = client.get("/dashboard.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv; charset=utf-8")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    values = store.select(
        "SELECT (COUNT(?v) AS ?n) WHERE { ?v a <https://data.pref.fukushima.lg.jp/dx/ontology#KpiValue> }"
    )
    assert len(rows) == int(str(values[0]["n"]))
    assert {r["kind"] for r in rows} == {"baseline", "target", "actual"}
    filtered = list(csv.DictReader(io.StringIO(client.get("/dashboard.csv?field=II").text)))
    assert 0 < len(filtered) < len(rows)


def test_one_kpi_as_csv_equals_the_source_row(client: Any) -> None:
    row = defining_rows()[3]
    response = client.get("/dashboard/kpi/3.csv")
    assert response.status_code == 200
    found = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    by_key = {(r["kind"], r["fiscal_year"]): r["value"] for r in found}
    printed = {
        ("baseline", ""): row["基準値"],
        ("target", "2022"): row["目標値Ｒ４"],
        ("target", "2023"): row["目標値Ｒ５"],
        ("target", "2024"): row["目標値Ｒ６"],
        ("target", "2025"): row["目標値Ｒ７"],
        ("actual", "2023"): row["実績値"],
    }
    assert by_key == {k: v.replace(",", "") for k, v in printed.items()}
    assert {r["kpi_name"] for r in found} == {row["指標名"]}


def test_one_kpi_as_json_with_source_and_method(client: Any) -> None:
    body = client.get("/dashboard/kpi/2.json").get_json()
    publication = tomllib.loads((ROOT / "data" / "publication.toml").read_text("utf-8"))
    title = publication["dataset"]["title_ja"]
    base = publication["base_iri"]
    assert body["attribution"]["ja"] == f"出典：福島県「{title}」（{base}）"
    assert body["method"]["ja"] and body["method"]["en"]
    assert body["number"] == 2 and body["direction"] == "HigherIsBetter"
    assert body["evaluation"] == "PartiallyAchieved"
    assert body["unit"]["ja"] == "%"
    assert {v["kind"] for v in body["values"]} == {"baseline", "target", "actual"}
    # Progress: (43.1 - 48.2) / (67.4 - 48.2), the actual moved away from the target.
    assert body["progress_percent"] == pytest.approx(-26.6, abs=0.1)


def test_svg_chart_for_img(client: Any) -> None:
    response = client.get("/dashboard/kpi/3.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    root = ET.fromstring(response.data)  # well-formed XML, its colours inside
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.find("{http://www.w3.org/2000/svg}style") is not None
    assert root.get("width") and root.get("height")


def test_only_the_embed_view_may_be_framed(client: Any) -> None:
    embed = client.get("/dashboard/kpi/3/embed")
    assert embed.status_code == 200 and embed.mimetype == "text/html"
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
    html = embed.get_data(as_text=True)
    assert "出典：福島県「" in html and 'target="_blank"' in html and "<svg" in html
    for path in ("/dashboard", "/", "/id/kpi/3"):
        csp = client.get(path, headers={"Accept": "text/html"}).headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp


def test_embed_snippets_name_stable_urls(client: Any) -> None:
    html = page(client, "/dashboard")
    assert '&lt;img src="https://data.pref.fukushima.lg.jp/dx/dashboard/kpi/3.svg"' in html
    assert '&lt;iframe src="https://data.pref.fukushima.lg.jp/dx/dashboard/kpi/3/embed"' in html


#: KPI names a spreadsheet would run as formulas (OWASP "CSV injection"), by KPI number.
FORMULA_NAMES = {
    1: '=HYPERLINK("http://evil.example/","詳細")',
    2: "@SUM(1+1)",
    3: "+cmd|' /C calc'!A0",
}


@pytest.fixture(scope="module")
def formula_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build of the real table whose KPIs 1-3 are named with :data:`FORMULA_NAMES`
    (the build accepts them: the data keeps what was typed)."""
    from converter.build import build

    data = tmp_path_factory.mktemp("formula-data")
    shutil.copytree(ROOT / "data", data, dirs_exist_ok=True)
    table = data / "dx-kpi-fy2023.csv"
    rows = list(csv.reader(io.StringIO(table.read_text("utf-8"), newline="")))
    number, relisted, name = (rows[0].index(c) for c in ("KPI番号", "KPI再掲元", "指標名"))
    for row in rows[1:]:
        kpi = row[number] if row[number].isdigit() else row[relisted]
        if kpi.isdigit() and int(kpi) in FORMULA_NAMES:
            row[name] = FORMULA_NAMES[int(kpi)]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    table.write_text(out.getvalue(), encoding="utf-8")
    dist = tmp_path_factory.mktemp("formula-dist")
    build(data / "publication.toml", dist)
    return dist


def test_dashboard_csvs_quote_formulas_like_the_downloads(formula_dist: Path) -> None:
    """Issue 26 #7: a KPI named ``=HYPERLINK(…)`` passes the build; the dashboard's CSVs,
    made for spreadsheets, quote it as the downloads do, while the JSON keeps the name."""
    from server.app import create_app
    from server.stores.local import LocalStore

    app = create_app(
        {"TESTING": True, "DIST_DIR": str(formula_dist)}, store=LocalStore.from_build(formula_dist)
    )
    client = app.test_client()
    paths = ["/dashboard.csv", *(f"/dashboard/kpi/{n}.csv" for n in FORMULA_NAMES)]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        cells = list(csv.reader(io.StringIO(response.get_data(as_text=True), newline="")))
        assert not [c for row in cells for c in row if starts_formula(c)], path
        names = {row["kpi_name"] for row in csv.DictReader(io.StringIO(response.text))}
        assert names & {"'" + name for name in FORMULA_NAMES.values()}, path
    published = (formula_dist / "download" / "dx-kpi-fy2023.csv").read_text("utf-8")
    assert "'" + FORMULA_NAMES[1] in published.replace('""', '"')  # the downloads' own quoting
    assert client.get("/dashboard/kpi/1.json").get_json()["name"]["ja"] == FORMULA_NAMES[1]


@pytest.mark.parametrize(
    "path", ["/dashboard/kpi/999.json", "/dashboard/kpi/999.csv", "/dashboard/kpi/999.svg"]
)
def test_unknown_kpi_is_404(client: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404 and response.get_json()["ok"] is False


def test_two_editions_show_actuals_of_both(two_client: Any) -> None:
    """KPI 3: R5 actual 64,169 (FY2023 edition), R6 actual 69,512 (FY2024, fictional);
    its R7 target revised 70000 → 75000 is drawn beside the old one and marked."""
    html = page(two_client, "/dashboard")
    card = html[html.index('id="kpi-3"') :]
    card = card[: card.index("</article>")]
    assert "64,169" in card and "69,512" in card
    assert 'class="bar target-earlier"' in card
    assert re.search(
        r"目標値の改定 R7: <span lang=\"ja\">70000</span> → <span lang=\"ja\">75000", card
    )
    assert "令和5年度版・令和6年度版" in html
    body = two_client.get("/dashboard/kpi/3.json").get_json()
    actuals = {(v["fiscal_year"], v["edition"]) for v in body["values"] if v["kind"] == "actual"}
    assert actuals == {(2023, 2023), (2024, 2024)}
    assert body["editions"] == [2023, 2024]
    kpi2 = html[html.index('id="kpi-2"') :]
    assert "評価の変更: 一部達成 → 達成" in kpi2[: kpi2.index("</article>")]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_small_chart_legend_fits_and_labels_only_actuals(lang: str) -> None:
    from flask import Flask

    from server.web.common.chart import SMALL, Bar, bar_chart, text_width
    from server.web.kpis.chart import legend

    with Flask(__name__).test_request_context(f"/?lang={lang}"):
        names = legend(lang)
        bars = [
            Bar("基準値", "baseline", 14442, "14442"),
            Bar("R7", "target-earlier", 70000, "70000"),
            Bar("R7", "target", 75000, "75000"),
            Bar("R6", "actual", 69512, "69,512"),
        ]
        svg = str(bar_chart(bars, ["基準値", "R6", "R7"], title="t", legend=names, layout=SMALL))
    ends = [
        float(x) + text_width(text, SMALL.legend_font)
        for x, text in re.findall(r'<text class="legend" x="([\d.]+)"[^>]*>([^<]+)<', svg)
    ]
    assert len(ends) == 4 and max(ends) <= SMALL.width
    assert re.findall(r'<text class="value"[^>]*>([^<]+)<', svg) == ["69,512"]


def test_hostile_data_stays_text(evil_client: Any) -> None:
    for path in ("/dashboard", "/changes", "/search?q=script", "/search?q=alert"):
        html = evil_client.get(path, headers={"Accept": "text/html"}).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, path
    found = evil_client.get("/search.json?q=alert").get_json()
    assert found["count"] >= 1  # the hostile project is found, as text


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("ja", "基準値より目標から遠ざかっています"),
        ("en", "further from the target than at the baseline"),
    ],
)
def test_a_move_away_from_the_target_is_said_in_words(client: Any, lang: str, words: str) -> None:
    """KPI 2's actual fell below its baseline: its progress reads as words, the figure beside
    (it was a bare "-27%")."""
    html = client.get("/dashboard", headers={"Accept": "text/html", "Accept-Language": lang})
    card = html.get_data(as_text=True).split('id="kpi-2"', 1)[1].split("</article>", 1)[0]
    assert f'<span class="backward">{words}</span> <span class="muted">(-27%)</span>' in card
