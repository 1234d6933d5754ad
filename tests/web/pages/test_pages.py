"""Landing and browsing pages show the real structure of the plan."""

from __future__ import annotations

import re


def test_landing(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/").get_data(as_text=True)
    assert "公共データ利用規約（第1.0版）" in html and "PDL1.0" in html and "CC BY 4.0" in html
    assert "https://www.digital.go.jp/resources/open_data/public_data_license_v1.0" in html
    for link in (
        "/sparql",
        "/catalog",
        "/ontology",
        "/download/dx-kpi.ttl",
        "/download/dx-kpi.jsonld",
        "/download/dx-kpi-fy2023.csv",
    ):
        assert f'href="{link}"' in html, link
    counts = dict(re.findall(r'data-count="(\w+)">([\d,]+)<', html))
    assert int(counts["triples"].replace(",", "")) > 100
    assert counts["projects"] == "52" and counts["kpis"] == "19"


def test_plan_tree(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/plan").get_data(as_text=True)
    assert 'id="plan-tree"' in html
    assert html.index('href="/id/plan/I"') < html.index('href="/id/plan/I-1"')
    assert 'href="/id/project/fy2023/1"' in html
    assert "再掲" in html and 'class="project relisting"' in html


def test_projects_by_department(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/projects").get_data(as_text=True)
    assert "総務部" in html
    # project 8 belongs to two departments and is listed under both
    assert html.count('href="/id/project/fy2023/8"') >= 2


def test_kpi_table(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/kpis").get_data(as_text=True)
    assert 'href="/id/kpi/2"' in html and "一部達成" in html and "達成" in html
    assert len(re.findall(r'href="/id/kpi/\d+"', html)) == 19


def test_english_pages(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/", "/plan", "/projects", "/kpis"):
        html = client.get(path + "?lang=en").get_data(as_text=True)
        assert 'lang="en"' in html and "日本語" in html, path
