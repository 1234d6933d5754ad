"""Real headless Chromium against the real server (``python -m server``, a built dist/)."""

from __future__ import annotations

import os
import shutil
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.live_server import live_server

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)),
        reason="needs Debian chromium + chromium-driver",
    ),
]


@pytest.fixture(scope="module")
def server_url(dist_dir: Path) -> Iterator[str]:
    """The real server (``python -m server``, gunicorn as deployed) on a free port."""
    with live_server(dist_dir) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--window-size=1280,1000",
        "--lang=ja",
    ):
        options.add_argument(flag)
    # A Japanese reader's browser (headless Chromium ignores --lang for Accept-Language).
    options.add_experimental_option("prefs", {"intl.accept_languages": "ja,en"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def test_browse_to_a_kpi_chart_and_download(browser, server_url: str, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    driver = browser
    driver.get(server_url + "/")
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ja"
    assert "公共データ利用規約" in driver.page_source
    driver.save_screenshot(str(artifacts / "01-landing.png"))

    driver.find_element(By.CSS_SELECTOR, "nav a[href='/plan']").click()
    tree = driver.find_element(By.ID, "plan-tree")
    driver.save_screenshot(str(artifacts / "02-plan.png"))
    tree.find_element(By.CSS_SELECTOR, "a[href='/id/project/fy2023/8']").click()
    assert "/id/project/fy2023/8" in driver.current_url
    driver.save_screenshot(str(artifacts / "03-project.png"))

    driver.find_element(By.CSS_SELECTOR, "table.props a[href^='/id/kpi/']").click()
    chart = driver.find_element(By.CSS_SELECTOR, "#kpi-chart svg")
    assert chart.is_displayed() and chart.size["width"] > 300
    assert driver.find_elements(By.CSS_SELECTOR, "#kpi-chart rect.actual")
    driver.save_screenshot(str(artifacts / "04-kpi.png"))

    driver.find_element(By.ID, "lang-switch").click()
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert "Baseline" in driver.page_source
    driver.save_screenshot(str(artifacts / "05-kpi-en.png"))

    driver.get(server_url + "/")
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"  # cookie
    link = driver.find_element(By.CSS_SELECTOR, "a[href='/download/dx-kpi.ttl']")
    with urllib.request.urlopen(link.get_attribute("href"), timeout=5) as response:
        assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"
        assert b"@prefix" in response.read(4096)
