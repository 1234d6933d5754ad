"""What a demanding reader checks on the pages: labels not CURIEs, printed values with their
units and qualifiers, the direction of a KPI, readable charts, breadcrumbs, English fallbacks."""

from __future__ import annotations

import re

import pytest
from rdflib import Literal, URIRef

from server.web.common.chart import Bar, bar_chart, nice_ceiling, nice_step, scale_for
from server.web.common.labels import BUILTIN, INVERSE, Labeller

CURIE_TEXT = re.compile(r">\s*(skos|schema|org|void|qb|dct|dcat|prov|time|unit|rdfs?|owl):\w+\s*<")


def _page(client, path: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def _breadcrumb(html: str) -> str:
    return html[
        html.index('<nav class="breadcrumb"') : html.index("</nav>", html.index("breadcrumb"))
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/id/kpi/2",
        "/id/kpi/6",
        "/id/project/fy2023/8",
        "/id/org/kikaku-chosei-bu",
        "/id/plan/I-3-6-a",
        "/id/listing/fy2023/I-3-9/4",
        "/id/kpi/2?lang=en",
    ],
)
def test_no_raw_curies_where_labels_belong(client, path: str) -> None:  # type: ignore[no-untyped-def]
    html = _page(client, path)
    assert not CURIE_TEXT.findall(html), CURIE_TEXT.findall(html)


def test_kpi_6_lower_is_better_in_millions(client) -> None:  # type: ignore[no-untyped-def]
    html = _page(client, "/id/kpi/6")
    direction = html[html.index('id="kpi-direction"') :][:200]
    assert "小さいほど良い" in direction
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert "40百万<" in svg and "40,000,000" not in svg and "単位：枚" in svg
    table = html[html.index("kpi-values-table") :]
    assert "40百万枚" in table and "12百万枚" in table and "達成" in table
    facts = html[html.index('id="key-facts"') :]
    assert "枚" in facts[: facts.index("</dl>")] and "sheets" not in facts[: facts.index("</dl>")]


def test_kpi_16_qualifier_note_and_partial_achievement(client) -> None:  # type: ignore[no-untyped-def]
    html = _page(client, "/id/kpi/16")
    assert html.count("ほぼ100%") >= 4 and "人口に対する保有枚数率" in html and "一部達成" in html
    svg = html[html.index("<svg") : html.index("</svg>")]
    # The long printed note stays in the tooltip; the bar's label is the number.
    assert ">74％<" in svg or ">74%<" in svg
    assert "大きいほど良い" in html


def test_kpi_12_at_least_and_missing_baseline(client) -> None:  # type: ignore[no-untyped-def]
    html = _page(client, "/id/kpi/12")
    table = html[html.index("kpi-values-table") :]
    assert "4以上" in table and "記載なし" in table
    assert re.search(r'<span lang="ja">-</span>', table)


def test_kpi_table_units_order_and_direction(client) -> None:  # type: ignore[no-untyped-def]
    html = _page(client, "/kpis")
    head = html[html.index("<thead>") : html.index("</thead>")]
    # The evaluation sits right after the actual it evaluates.
    assert re.search(r"実績値.*?</th><th>評価</th>", head)
    row6 = re.search(r'<tr><td class="num" data-label="番号">6</td>.*?</tr>', html, re.S)
    assert row6 and "枚" in row6.group(0) and "sheets" not in row6.group(0)
    assert "40百万枚" in row6.group(0) and "小さいほど良い" in row6.group(0)
    en = _page(client, "/kpis?lang=en")
    row6_en = re.search(r'data-label="No.">6</td>.*?</tr>', en, re.S)
    assert row6_en and "sheets" in row6_en.group(0)


def test_plan_tree_numbers_and_relisting(client) -> None:  # type: ignore[no-untyped-def]
    html = _page(client, "/plan")
    assert '<span class="notation">(6)</span> <a href="/id/plan/I-3-6"' in html
    assert '<span class="notation">ア</span> <a href="/id/plan/I-3-6-a"' in html
    assert "再掲（No.4）" in html and "再掲 ※再掲" not in html


def test_project_breadcrumb_and_departments(client) -> None:  # type: ignore[no-untyped-def]
    html = _page(client, "/id/project/fy2023/8")
    crumb = _breadcrumb(html)
    links = re.findall(r'href="([^"]+)"', crumb)
    assert links == ["/", "/plan", "/id/plan/I", "/id/plan/I-2", "/id/plan/I-2-1"]
    assert "(1) 行政手続のオンライン化" in crumb
    facts = html[html.index('id="key-facts"') :]
    facts = facts[: facts.index("</dl>")]
    for org in ("/id/org/somu-bu", "/id/org/kikaku-chosei-bu", "/id/kpi/2"):
        assert f'href="{org}"' in facts


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/id/plan/I-3-6-a", ["/", "/plan", "/id/plan/I", "/id/plan/I-3", "/id/plan/I-3-6"]),
        (
            "/id/listing/fy2023/I-3-9/4",
            ["/", "/plan", "/id/plan/I", "/id/plan/I-3", "/id/plan/I-3-9"],
        ),
        ("/id/kpi/2", ["/", "/kpis"]),
        ("/id/value/fy2023/kpi-6/baseline", ["/", "/kpis", "/id/kpi/6"]),
        (
            "/id/org/somu-bu/gyosei-keiei-ka",
            ["/", "/projects", "/id/org/fukushima-prefecture", "/id/org/somu-bu"],
        ),
    ],
)
def test_breadcrumbs(client, path: str, expected: list[str]) -> None:  # type: ignore[no-untyped-def]
    assert re.findall(r'href="([^"]+)"', _breadcrumb(_page(client, path))) == expected


def test_listing_booleans_and_relisting(client) -> None:  # type: ignore[no-untyped-def]
    html = _page(client, "/id/listing/fy2023/I-3-9/4")
    props = html[html.index('class="props"') :]
    assert ">はい<" in props and ">いいえ<" in props and ">true<" not in props


def test_referenced_by_reads_backwards_in_natural_order(client) -> None:  # type: ignore[no-untyped-def]
    html = _page(client, "/id/org/kikaku-chosei-bu")
    incoming = html[html.index("props incoming") :]
    assert "担当する事業" in incoming
    assert incoming.index('href="/id/project/fy2023/8"') < incoming.index(
        'href="/id/project/fy2023/10"'
    )


def test_english_pages_keep_the_japanese_name(client) -> None:  # type: ignore[no-untyped-def]
    html = _page(client, "/id/kpi/6?lang=en")
    assert 'id="ja-notice"' in html and "Lower is better" in html
    h1 = html[html.index("<h1>") : html.index("</h1>")]
    assert 'lang="ja"' in h1 and "コピー用紙購入量" in h1
    plan = _page(client, "/plan?lang=en")
    assert '<span class="original" lang="ja">議事録の作成支援</span>' in plan
    assert "relisted, see No.4" in plan
    assert 'id="ja-notice"' not in _page(client, "/id/kpi/6?lang=ja")


def test_not_found_page_helps(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/id/kpi/999999", headers={"Accept": "text/html"})
    html = response.get_data(as_text=True)
    assert response.status_code == 404 and "ページが見つかりません" in html
    assert 'href="/plan"' in html and 'href="/kpis"' in html
    en = client.get("/nope?lang=en", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Page not found" in en


def test_landing_speaks_plainly(client) -> None:  # type: ignore[no-untyped-def]
    html = _page(client, "/")
    assert "このサイトでできること" in html and "表計算ソフトで使う" in html
    assert re.search(r'href="/download/dx-kpi-fy2023\.csv" download>元の表（CSV）', html)
    assert "元の表（Excel 等で開けます）" in html


# ---------------------------------------------------------------- units: chart and labels


@pytest.mark.parametrize(
    ("value", "step", "top"),
    [
        (40_000_000, 10_000_000, 40_000_000),
        (4, 1, 4),
        (100, 25, 100),
        (80, 20, 80),
        (70_000, 20_000, 80_000),
        (3.54, 1, 4),
    ],
)
def test_nice_axis(value: float, step: float, top: float) -> None:
    assert nice_ceiling(value) == top and nice_step(top) == step


def test_scale_for_large_numbers() -> None:
    assert scale_for(40_000_000, "ja") == (1_000_000, "百万")
    assert scale_for(40_000_000, "en") == (1_000_000, "M")
    assert scale_for(200_000, "ja") == (10_000, "万")
    assert scale_for(80_000, "ja") == (1, "")


def test_chart_labels_do_not_collide_and_are_escaped() -> None:
    bars = [
        Bar("R5", "target", 32e6, "32百万枚"),
        Bar("R5", "actual", 32e6, "<b>32百万枚</b>"),
    ]
    svg = str(
        bar_chart(
            bars,
            ["R5"],
            title="<x>",
            legend={"target": "目標値", "actual": "実績値", "baseline": "基準値"},
            unit="枚",
        )
    )
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "&lt;x&gt;" in svg
    ys = [float(y) for y in re.findall(r'<text class="value" x="[\d.]+" y="([\d.]+)"', svg)]
    assert len(ys) == 2 and abs(ys[0] - ys[1]) >= 12
    assert "基準値" not in svg  # only kinds that have bars are in the legend


class _NoStore:
    def select(self, query: str) -> list[dict[str, object]]:
        return []


def test_builtin_labels_and_inverse() -> None:
    labeller = Labeller(_NoStore(), "ja")  # type: ignore[arg-type]
    assert labeller("http://www.w3.org/2004/02/skos/core#Concept") != "skos:Concept"
    assert labeller("http://qudt.org/vocab/unit/PERCENT").startswith("パーセント")
    assert (
        labeller.inverse("https://data.pref.fukushima.lg.jp/dx/ontology#department")
        == "担当する事業"
    )
    assert all(k.startswith("http") for k in [*BUILTIN, *INVERSE])
    english = Labeller(_NoStore(), "en")  # type: ignore[arg-type]
    assert english(URIRef("http://schema.org/GovernmentOrganization")) == "government organisation"


def test_original_label_only_on_english_pages() -> None:
    class Store:
        def select(self, query: str) -> list[dict[str, object]]:
            s = URIRef("https://data.pref.fukushima.lg.jp/dx/id/kpi/6")
            p = URIRef("http://www.w3.org/2004/02/skos/core#prefLabel")
            return [
                {"s": s, "p": p, "l": Literal("KPI 6", lang="en")},
                {"s": s, "p": p, "l": Literal("コピー用紙購入量", lang="ja")},
            ]

    iri = URIRef("https://data.pref.fukushima.lg.jp/dx/id/kpi/6")
    en, ja = Labeller(Store(), "en"), Labeller(Store(), "ja")  # type: ignore[arg-type]
    en.load([iri])
    ja.load([iri])
    assert (
        en(iri) == "KPI 6" and en.original(iri) == "コピー用紙購入量" and en.language(iri) == "en"
    )
    assert ja(iri) == "コピー用紙購入量" and ja.original(iri) == ""


@pytest.mark.parametrize(
    ("label", "notation", "shown"),
    [
        ("分野Ⅰ", "Ⅰ", False),
        ("計画", "計画", False),
        ("まず始めに実施すべき取組", "1", True),
        ("Plan item I-1", "1", True),
        ("議事録の作成支援", "ア", True),
        ("ＡＩの活用", "", False),
    ],
)
def test_shows_notation(label: str, notation: str, shown: bool) -> None:
    from server.web.common.naming import shows_notation

    assert shows_notation(label, notation) is shown


def test_english_plan_tree_keeps_item_numbers(client) -> None:  # type: ignore[no-untyped-def]
    html = _page(client, "/plan?lang=en")
    assert '<span class="notation">1</span> <a href="/id/plan/I-1"' in html


# ------------------------------------------------- English pages keep the Japanese names

#: Every page a reader of English meets a data label on (issue 26, "also seen by a reader").
ENGLISH_PAGES = [
    "/",
    "/plan",
    "/projects",
    "/kpis",
    "/dashboard",
    "/search?q=%E3%82%AA%E3%83%B3%E3%83%A9%E3%82%A4%E3%83%B3",  # オンライン
    "/changes",
    "/id/kpi/2",
    "/id/plan/I-1-1",
    "/id/plan/I-3-6-a",
    "/id/project/fy2023/8",
    "/id/listing/fy2023/I-3-9/4",
    "/id/org/somu-bu",
    "/id/value/fy2023/kpi-2/actual-fy2023",
]
GENERIC_LABELS = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <http://schema.org/>
SELECT ?en ?ja WHERE {
  ?s rdfs:label ?en FILTER(LANG(?en) = "en")
  FILTER(REGEX(STR(?s), "/id/(plan|project|listing|kpi|value)/"))
  VALUES ?p { skos:prefLabel rdfs:label schema:name }
  ?s ?p ?ja FILTER(LANG(?ja) = "ja")
}"""


def _japanese_names(client) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    """Each English label that only describes ("Plan item I-1", "KPI 2") → its Japanese names."""
    response = client.get(
        "/sparql",
        query_string={"query": GENERIC_LABELS},
        headers={"Accept": "application/sparql-results+json"},
    )
    names: dict[str, set[str]] = {}
    for row in response.get_json()["results"]["bindings"]:
        names.setdefault(row["en"]["value"], set()).add(row["ja"]["value"])
    return names


def _shown_text(html: str) -> str:
    """The text a reader sees (the title and the page), without the data's own literals."""
    from lxml import html as lxml_html

    root = lxml_html.fromstring(html)
    for element in root.xpath(
        "//script | //style | //*[contains(@class, 'literal')] | //*[@class='lang-tag']"
    ):
        element.drop_tree()
    return " ".join(root.text_content().split())


@pytest.mark.parametrize("path", ENGLISH_PAGES)
def test_english_pages_show_the_japanese_beside_every_generic_label(client, path: str) -> None:  # type: ignore[no-untyped-def]
    """In English, "I-1 Plan item I-1" lost 「まず始めに実施すべき取組」 (the dashboard, search
    facets, breadcrumbs, page titles, chart titles): wherever a label that only describes
    is shown, the Japanese name follows it, as the English banner promises."""
    names = _japanese_names(client)
    assert "Plan item I-1" in names and "KPI 2" in names
    sep = "&" if "?" in path else "?"
    text = _shown_text(_page(client, f"{path}{sep}lang=en"))
    pattern = re.compile(
        "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r"(?![-\w])"
    )
    lost = [
        m.group()
        for m in pattern.finditer(text)
        if not any(ja in text[m.end() : m.end() + 24 + len(ja)] for ja in names[m.group()])
    ]
    assert not lost, (lost, text[:2000])


def test_dashboard_svg_and_filters_in_english_keep_the_names(client) -> None:  # type: ignore[no-untyped-def]
    html = _page(client, "/dashboard?lang=en")
    option = re.search(r'<option value="I-1">([^<]*)</option>', html)
    assert option and "まず始めに実施すべき取組" in option.group(1)
    svg = client.get("/dashboard/kpi/2.svg?lang=en").get_data(as_text=True)
    assert "行政手続のオンライン利用率" in svg[svg.index("<title>") : svg.index("</title>")]
