"""Issue 11 in real headless Chromium against the real server (``python -m server``, granian).

The dashboard with its filters (no script: a GET form), a chart embedded in a page of
another origin, the changes page and search, on the two-edition test build; axe-core
(tests/clients/node_modules) on the landing page, the dashboard, a KPI page and search.
Screenshots at 1280 and 390 px: test-artifacts/screenshots/.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask

from tests.support.chromium import BROWSER, chromium, follow, submit
from tests.support.live_server import live_server, serve_app

AXE = Path(__file__).resolve().parents[2] / "clients" / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (1280, 390)
pytestmark = BROWSER


@pytest.fixture(scope="module")
def two_url(two_dist: Path) -> Iterator[str]:
    """The real server on FY2023 + the fictional FY2024 test edition."""
    with live_server(two_dist) as url:
        yield url


@pytest.fixture(scope="module")
def real_url(dist_dir: Path) -> Iterator[str]:
    """The real server on the real build (one edition)."""
    with live_server(dist_dir) as url:
        yield url


@pytest.fixture(scope="module")
def shots(artifacts: Path) -> Path:
    folder = artifacts / "screenshots"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as driver:
        yield driver


def screenshot(driver: Any, folder: Path, name: str) -> None:
    """The whole page at each width (the window grows to the page's height, up to 8000 px)."""
    for width in WIDTHS:
        driver.set_window_size(width, 1000)
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(width, min(int(height), 8000))
        wide = driver.execute_script("return document.documentElement.scrollWidth")
        assert wide <= width, f"{name} scrolls sideways at {width} px ({wide} px wide)"
        driver.save_screenshot(str(folder / f"{name}-{width}.png"))
    driver.set_window_size(1280, 1000)


def cards(driver: Any) -> list[str]:
    from selenium.webdriver.common.by import By

    return [
        e.get_attribute("id") for e in driver.find_elements(By.CSS_SELECTOR, "article.kpi-card")
    ]


def test_dashboard_filters_without_script(browser: Any, two_url: str, shots: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver = browser
    driver.get(two_url + "/dashboard")
    assert driver.find_element(By.TAG_NAME, "h1").text == "KPIダッシュボード"
    everything = cards(driver)
    assert len(everything) == 19
    charts = driver.find_elements(By.CSS_SELECTOR, "article.kpi-card svg.chart")
    assert len(charts) == 19 and all(c.size["width"] > 250 for c in charts)
    screenshot(driver, shots, "dashboard")

    Select(driver.find_element(By.ID, "filter-eval")).select_by_value("PartiallyAchieved")
    Select(driver.find_element(By.ID, "filter-sort")).select_by_value("progress")
    follow(driver, driver.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]"))
    assert "eval=PartiallyAchieved" in driver.current_url and "sort=progress" in driver.current_url
    data = json.loads(_get(two_url + "/dashboard.json?eval=PartiallyAchieved"))
    assert sorted(cards(driver)) == sorted(f"kpi-{k['number']}" for k in data["kpis"])
    assert 0 < len(cards(driver)) < len(everything)
    screenshot(driver, shots, "dashboard-filtered")

    follow(driver, driver.find_element(By.CSS_SELECTOR, "a.clear"))
    assert cards(driver) == everything
    follow(driver, driver.find_element(By.CSS_SELECTOR, "#by-department a[href*='dept=']"))
    assert "dept=" in driver.current_url and 0 < len(cards(driver)) < len(everything)


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return str(response.read().decode("utf-8"))


def test_an_embedded_chart_in_another_sites_page(browser: Any, two_url: str, shots: Path) -> None:
    """The embed view loads in a frame of another origin; the dashboard itself does not."""
    from selenium.webdriver.common.by import By

    page = Flask("elsewhere")

    @page.get("/")
    def other_site() -> str:
        return (
            "<!doctype html><html lang='ja'><head><meta charset='utf-8'><meta name='viewport' content='width=device-width, initial-scale=1'><title>他のサイト</title>"
            "</head><body><h1>他のサイトの記事</h1>"
            f"<iframe id='embed' src='{two_url}/dashboard/kpi/3/embed' title='KPI3' width='420' "
            "height='460' style='max-width:100%;border:0'></iframe>"
            f"<img id='image' src='{two_url}/dashboard/kpi/3.svg' alt='KPI3' width='360' "
            "style='max-width:100%;height:auto'>"
            f"<iframe id='blocked' src='{two_url}/dashboard' title='dashboard' width='300' "
            "height='200' style='max-width:100%'></iframe></body></html>"
        )

    driver = browser
    with serve_app(page) as elsewhere:
        driver.get(elsewhere + "/")
        image = driver.find_element(By.ID, "image")
        assert driver.execute_script("return arguments[0].naturalWidth", image) > 0
        screenshot(driver, shots, "embed-elsewhere")
        driver.switch_to.frame(driver.find_element(By.ID, "embed"))
        assert driver.find_elements(By.CSS_SELECTOR, "article.kpi-card svg.chart rect.actual")
        assert "出典：福島県「" in driver.find_element(By.ID, "attribution").text
        driver.switch_to.default_content()
        driver.switch_to.frame(driver.find_element(By.ID, "blocked"))
        assert not driver.find_elements(By.CSS_SELECTOR, "article.kpi-card")  # frame-ancestors
        driver.switch_to.default_content()


def test_changes_page(browser: Any, two_url: str, real_url: str, shots: Path) -> None:
    from selenium.webdriver.common.by import By

    driver = browser
    driver.get(two_url + "/changes")
    feed = driver.find_element(By.CSS_SELECTOR, "link[rel=alternate][type='application/atom+xml']")
    assert feed.get_attribute("href").endswith("/changes.atom")
    assert len(driver.find_elements(By.CSS_SELECTOR, "li.change")) == 24
    follow(
        driver,
        driver.find_element(
            By.CSS_SELECTOR, "#ProjectRenamed-fy2024 + ul a[href='/id/project/fy2024/7']"
        ),
    )
    assert driver.current_url.endswith("/id/project/fy2024/7")
    driver.get(two_url + "/changes")
    screenshot(driver, shots, "changes")
    driver.get(real_url + "/changes")
    assert "まだ変更はありません" in driver.find_element(By.ID, "no-changes").text
    screenshot(driver, shots, "changes-first-edition")


def test_search(browser: Any, two_url: str, shots: Path) -> None:
    from selenium.webdriver.common.by import By

    driver = browser
    driver.get(two_url + "/")
    box = driver.find_element(By.ID, "landing-q")
    box.send_keys("研修")
    submit(driver, box)
    assert "/search?q=" in driver.current_url
    results = driver.find_elements(By.CSS_SELECTOR, "#results li.result")
    assert len(results) > 10  # both editions' projects, and KPI 14
    assert driver.find_elements(By.CSS_SELECTOR, "#results mark")
    screenshot(driver, shots, "search")
    follow(driver, driver.find_element(By.CSS_SELECTOR, "#facet-department a"))
    narrowed = driver.find_elements(By.CSS_SELECTOR, "#results li.result")
    assert 0 < len(narrowed) < len(results)
    follow(driver, driver.find_element(By.CSS_SELECTOR, "#results a[href^='/id/']"))
    assert "/id/" in driver.current_url


@pytest.mark.parametrize(
    "path", ["/", "/dashboard", "/id/kpi/2", "/search?q=" + quote("研修"), "/changes"]
)
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_no_serious_accessibility_violations(
    browser: Any, real_url: str, path: str, lang: str
) -> None:
    """axe-core in the real page: no serious or critical violation (WCAG 2 A/AA rules)."""
    driver = browser
    joiner = "&" if "?" in path else "?"
    driver.get(f"{real_url}{path}{joiner}lang={lang}")
    driver.execute_script(AXE.read_text("utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa']}})"
        ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))))"
        ".catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));"
    )
    serious = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not serious, json.dumps(serious, ensure_ascii=False, indent=1)


PHONE = 390
#: Elements whose box passes the right edge of the window; a ``.scroll`` box (a wide table
#: that scrolls inside it) may hold them, nothing else may.
PAST_THE_EDGE = """
const width = window.innerWidth, found = [];
for (const e of document.querySelectorAll('body *')) {
  const r = e.getBoundingClientRect();
  if (r.width > 0 && r.right > width + 0.5 && !e.closest('.scroll')) {
    found.push(e.tagName.toLowerCase() + '.' + (e.getAttribute('class') || '') + ' → ' + Math.round(r.right));
  }
}
return {width: width, page: document.documentElement.scrollWidth, past: found.slice(0, 8)};
"""


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_nothing_runs_past_a_phone_screen(
    browser: Any, real_url: str, shots: Path, lang: str
) -> None:
    """Issue 26 (a reader): on a 390 px phone the KPI chart ran past the right edge of the
    page. Now the KPI page draws a narrow chart for phones and stacks its values table, and no
    element of these pages is wider than the screen."""
    from selenium.webdriver.common.by import By

    driver = browser
    driver.set_window_size(PHONE, 1000)
    try:
        for path in ("/id/kpi/2", "/dashboard", "/"):
            driver.get(f"{real_url}{path}?lang={lang}")
            found = driver.execute_script(PAST_THE_EDGE)
            assert found["width"] == PHONE
            assert found["page"] <= PHONE and not found["past"], (path, found)
        driver.get(f"{real_url}/id/kpi/2?lang={lang}")
        narrow = driver.find_element(By.CSS_SELECTOR, "#kpi-chart svg.chart.narrow")
        assert narrow.is_displayed() and 300 < narrow.size["width"] <= PHONE
        assert not driver.find_element(By.CSS_SELECTOR, "#kpi-chart svg.chart.wide").is_displayed()
        table = driver.find_element(By.CSS_SELECTOR, "table.kpi-values-table")
        assert table.rect["x"] + table.rect["width"] <= PHONE  # stacked, not scrolled
        driver.save_screenshot(str(shots / f"kpi-2-phone-{lang}.png"))
        driver.set_window_size(1280, 1000)  # the wide drawing again on a wide screen
        assert driver.find_element(By.CSS_SELECTOR, "#kpi-chart svg.chart.wide").is_displayed()
        assert not narrow.is_displayed()
    finally:
        driver.set_window_size(1280, 1000)
        driver.get(f"{real_url}/?lang=ja")  # the language cookie back to the module's
