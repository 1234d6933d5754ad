"""The query UI in real headless Chromium, served by the full app (with its CSP) over HTTP:
YASGUI loads from this server only, an example runs, and result IRIs open resource pages
on this server."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.stores.local import LocalStore
from tests.sparql.conftest import serve

pytestmark = pytest.mark.browser
VENDOR = Path(__file__).resolve().parents[2] / "server" / "static" / "vendor" / "yasgui"


@pytest.fixture(scope="module")
def site(local_store: LocalStore, dist_dir: Path) -> Iterator[str]:
    from server.app import create_app

    app = create_app({"TESTING": True, "DIST_DIR": str(dist_dir)}, store=local_store)
    try:
        with serve(app) as url:
            yield url
    finally:
        app.blueprints["sparql"].close()  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not VENDOR.joinpath("yasgui.min.js").exists():
        pytest.skip("YASGUI not installed: run scripts/install-assets.sh")
    if not shutil.which("chromedriver"):
        pytest.skip("chromedriver not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def requested_urls(driver) -> list[str]:  # type: ignore[no-untyped-def]
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def test_example_runs_and_links_are_local(site: str, browser) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    origin = site.rsplit("/sparql", 1)[0]
    browser.get(site)
    wait = WebDriverWait(browser, 15)
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".yasqe .CodeMirror")))
    assert not browser.find_element(By.ID, "sparql-fallback").is_displayed()
    # no navigation: the script runs the example in place (preventDefault)
    browser.find_element(By.CSS_SELECTOR, "a[data-example='03-kpi-targets-and-actuals']").click()
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".yasr table tbody tr")) >= 19)
    links = [
        a.get_attribute("href")
        for a in browser.find_elements(By.CSS_SELECTOR, ".yasr table tbody a[href*='/id/kpi/']")
    ]
    assert links and all(link.startswith(origin + "/id/kpi/") for link in links), links[:3]
    text = browser.find_element(By.CSS_SELECTOR, ".yasr").text
    assert "64169" in text and "自動車税種別割に係る電子決済利用件数" in text
    foreign = [
        u for u in requested_urls(browser) if not u.startswith((origin, "data:", "blob:", "chrome"))
    ]
    assert foreign == []
    errors = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
