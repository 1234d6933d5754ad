"""Real headless Chromium: the ontology's HTML document applies its own style under its CSP
(issue 12, defect G: the site-wide ``style-src 'self'`` blocked its inline ``<style>``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.chromium import BROWSER, chromium
from tests.support.live_server import live_server

pytestmark = BROWSER


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium(console_log=True) as driver:
        yield driver


def test_the_ontology_document_is_styled_without_csp_violations(browser, dist_dir: Path) -> None:  # type: ignore[no-untyped-def]
    with live_server(dist_dir) as url:
        browser.get(url + "/download/ontology.html")
        background = browser.execute_script(
            "return getComputedStyle(document.body).backgroundColor"
        )
        messages = [entry["message"] for entry in browser.get_log("browser")]
    assert background == "rgb(246, 247, 249)"  # body { background: #f6f7f9 } applied
    assert not [m for m in messages if "Content Security Policy" in m], messages
