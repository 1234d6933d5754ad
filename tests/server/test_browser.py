"""Real headless Chromium against the real server (``python -m server``, a built dist/)."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.chromium import BROWSER, chromium, follow
from tests.support.live_server import live_server

pytestmark = BROWSER


@pytest.fixture(scope="module")
def server_url(dist_dir: Path) -> Iterator[str]:
    """The real server (``python -m server``, granian as deployed) on a free port."""
    with live_server(dist_dir) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as driver:
        yield driver


def test_browse_to_a_kpi_chart_and_download(browser, server_url: str, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    driver = browser
    driver.get(server_url + "/")
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ja"
    assert "公共データ利用規約" in driver.page_source
    driver.save_screenshot(str(artifacts / "01-landing.png"))

    follow(driver, driver.find_element(By.CSS_SELECTOR, "nav a[href='/plan']"))
    tree = driver.find_element(By.ID, "plan-tree")
    driver.save_screenshot(str(artifacts / "02-plan.png"))
    follow(driver, tree.find_element(By.CSS_SELECTOR, "a[href='/id/project/fy2023/8']"))
    assert "/id/project/fy2023/8" in driver.current_url
    driver.save_screenshot(str(artifacts / "03-project.png"))

    follow(driver, driver.find_element(By.CSS_SELECTOR, "table.props a[href^='/id/kpi/']"))
    chart = driver.find_element(By.CSS_SELECTOR, "#kpi-chart svg")
    assert chart.is_displayed() and chart.size["width"] > 300
    assert driver.find_elements(By.CSS_SELECTOR, "#kpi-chart rect.actual")
    driver.save_screenshot(str(artifacts / "04-kpi.png"))

    follow(driver, driver.find_element(By.ID, "lang-switch"))
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert "Baseline" in driver.page_source
    driver.save_screenshot(str(artifacts / "05-kpi-en.png"))

    driver.get(server_url + "/")
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"  # cookie
    link = driver.find_element(By.CSS_SELECTOR, "a[href='/download/dx-kpi.ttl']")
    with urllib.request.urlopen(link.get_attribute("href"), timeout=5) as response:
        assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"
        assert b"@prefix" in response.read(4096)
