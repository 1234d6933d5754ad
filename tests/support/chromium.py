"""Real headless Chromium (Debian's chromium + chromium-driver) for the browser tests."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
#: Seconds a navigation may take on a loaded 2-core machine before a test fails (a bound
#: for a hang, not a speed goal).
NAVIGATION_TIMEOUT = 30
#: The marks of every browser test module: ``pytestmark = BROWSER``.
BROWSER = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)),
        reason="needs Debian chromium + chromium-driver",
    ),
]


@contextmanager
def chromium(*, console_log: bool = False) -> Iterator[Any]:
    """A Japanese reader's headless Chromium, 1280 × 1000, with a profile of its own.

    ``console_log`` keeps the browser console (CSP violations) for ``get_log("browser")``.
    """
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
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        "--window-size=1280,1000",
        "--lang=ja",
    ):
        options.add_argument(flag)
    # Headless Chromium ignores --lang for Accept-Language.
    options.add_experimental_option("prefs", {"intl.accept_languages": "ja,en"})
    if console_log:
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def navigate(driver: Any, act: Callable[[], object]) -> None:
    """Run ``act`` (a click, a form submission, a script) and wait for the page it opens.

    The one way a browser test changes page other than ``driver.get`` (which waits by
    itself): an action only starts the navigation, so reading the URL or the page right
    after it can still see the old one. Waits until the old page is gone and the new one
    has loaded; a timeout names the URL it was still on.
    """
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    old = driver.find_element("tag name", "html")
    act()
    wait = WebDriverWait(driver, NAVIGATION_TIMEOUT)
    wait.until(expected_conditions.staleness_of(old), f"no new page after {driver.current_url}")
    wait.until(
        lambda d: d.execute_script("return document.readyState") == "complete",
        f"{driver.current_url} did not finish loading",
    )


def follow(driver: Any, element: Any) -> None:
    """Click ``element`` (a link or a submit button) and wait for the next page."""
    navigate(driver, element.click)


def submit(driver: Any, element: Any) -> None:
    """Submit the form of ``element`` (as Enter in a field does) and wait for the next page."""
    navigate(driver, element.submit)
