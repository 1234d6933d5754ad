"""End to end in real Chromium, with screenshots (issue 24): sign in; a bad workbook shows its
errors; a good one goes to preview, then publish; the public /kpis shows the new values;
after a roll-back the old values are back.

Real processes: ``python -m server`` on ``<releases>/current`` and ``python -m console``.
The screenshots go to ``test-artifacts/console/`` with the audit log of the run
(``audit.jsonl``); ``scripts/console-screenshots.sh`` copies those of the staff guide to
``docs/console/`` (``DX_CONSOLE_GUIDE_DIR``).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.console.conftest import Place
from tests.console.live import live_console
from tests.console.support import PASSWORDS
from tests.console.tables import FY2024
from tests.support.chromium import BROWSER, chromium, follow, navigate, submit
from tests.support.live_server import live_process
from tests.support.timing import within

pytestmark = [*BROWSER, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "console"
#: KPI 3's FY2024 actual in the fictional edition: on the public /kpis once it is published.
NEW_VALUE = "69,512"
#: The screenshots the staff guide (docs/console-guide.md) shows.
GUIDE = (
    "01-sign-in.png",
    "02-upload.png",
    "03-report-errors.png",
    "04-report-ok.png",
    "05-changes.png",
    "06-preview.png",
    "07-published.png",
    "08-public-kpis.png",
    "09-history.png",
    "10-rolled-back.png",
    "11-audit.png",
)


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(good, bad): the FY2024 fixture typed into the template made from the live FY2023
    edition; the same with three mistakes a person makes."""
    from tests.converter.workbook.books import cell, edited
    from tests.converter.workbook.conftest import fill_like, template

    folder = tmp_path_factory.mktemp("books")
    good = folder / "dx-kpi-fy2024.xlsx"
    fill_like(template(folder), FY2024, good)

    def mistakes(book: Any) -> None:
        cell(book, "3", "実績値").value = "12,3%"  # a row without a KPI
        cell(book, "8", "評価").value = "たぶん"  # not an evaluation
        cell(book, "14", "部").value = "未来部"  # not in the organisations register

    bad = edited(good, folder / "bad" / "dx-kpi-fy2024.xlsx", mistakes)
    return good, bad


@pytest.fixture
def shots() -> Iterator[Path]:
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    yield SHOTS
    guide = os.environ.get("DX_CONSOLE_GUIDE_DIR")
    if guide:
        Path(guide).mkdir(parents=True, exist_ok=True)
        for name in GUIDE:
            shutil.copy(SHOTS / name, Path(guide) / name)


def _until(driver: Any, url: str, present: bool) -> None:
    """Open ``url`` until its page has (or lacks) the new value: the server switches
    within a moment of the publish."""
    deadline = time.monotonic() + within(10)
    while True:
        driver.get(url)
        if (NEW_VALUE in driver.page_source) == present:
            return
        assert time.monotonic() < deadline, f"{url}: the public site did not switch"
        time.sleep(0.2)


def _shot(driver: Any, folder: Path, name: str, *, at: str | None = None) -> None:
    from selenium.webdriver.common.by import By

    if at is not None:
        element = driver.find_element(By.ID, at)
        driver.execute_script(
            "arguments[0].scrollIntoView(true); window.scrollBy(0, -16);", element
        )
    else:
        driver.execute_script("window.scrollTo(0, 0);")
    driver.save_screenshot(str(folder / name))


def test_sign_in_upload_preview_publish_and_roll_back_in_chromium(
    place: Place, books: tuple[Path, Path], tmp_path: Path, shots: Path
) -> None:
    from selenium.webdriver.common.by import By

    good, bad = books
    env = {**place.env(), "DX_RELEASE_CHECK_INTERVAL": "0.05"}
    # Readers' browsers keep a page for DX_CACHE_MAX_AGE (300 s) before they ask again;
    # this reader asks every time, and gets the new release as soon as the server has it.
    public = {**env, "DX_CACHE_MAX_AGE": "0"}
    with (
        live_process(place.releases / "current", log=tmp_path / "server.log", **public) as server,
        live_console(
            {**env, "DX_CONSOLE_SITE_URL": server.url + "/"}, tmp_path / "console.log"
        ) as console,
        chromium() as driver,
    ):
        driver.set_window_size(1200, 900)
        _until(driver, server.url + "/kpis", present=False)
        old_kpis = driver.find_element(By.TAG_NAME, "main").text
        # 1. Sign in (every page sends there first).
        driver.get(console.url + "/releases")
        assert "/login" in driver.current_url
        driver.find_element(By.ID, "name").send_keys("alice")
        driver.find_element(By.ID, "password").send_keys(PASSWORDS["alice"])
        _shot(driver, shots, "01-sign-in.png")
        submit(driver, driver.find_element(By.ID, "password"))
        assert driver.current_url.endswith("/releases")
        follow(driver, driver.find_element(By.CSS_SELECTOR, "nav a[href='/']"))
        # 2. Upload the bad workbook: its errors, each under its row.
        driver.find_element(By.ID, "table").send_keys(str(bad))
        _shot(driver, shots, "02-upload.png")
        follow(driver, driver.find_element(By.ID, "upload"))
        count = driver.find_element(By.ID, "problem-count").text
        assert "問題が 3 件あります（3 行）" in count, count
        page = driver.page_source
        for said in (
            "事業No 3",
            "事業No 8",
            "事業No 14",
            "「たぶん」は評価ではありません",
            "未来部",
        ):
            assert said in page, said
        assert driver.find_elements(By.ID, "publish-form") == []
        _shot(driver, shots, "03-report-errors.png")
        link = driver.find_element(By.CSS_SELECTOR, "#problem-rows a[href='#row-9']")
        link.click()  # no navigation: an anchor on the same page
        assert driver.current_url.endswith("#row-9")
        # 3. The good workbook: no problems, the changes, the preview.
        follow(driver, driver.find_element(By.CSS_SELECTOR, "nav a[href='/']"))
        driver.find_element(By.ID, "table").send_keys(str(good))
        follow(driver, driver.find_element(By.ID, "upload"))
        assert "問題はありません" in driver.find_element(By.ID, "no-problems").text
        candidate = driver.current_url
        _shot(driver, shots, "04-report-ok.png")
        _shot(driver, shots, "05-changes.png", at="changes")
        follow(driver, driver.find_element(By.CSS_SELECTOR, "#preview-links a[href$='/kpis']"))
        assert "/preview/" in driver.current_url
        assert "プレビュー（未公開）" in driver.find_element(By.ID, "preview-banner").text
        assert NEW_VALUE in driver.page_source
        _shot(driver, shots, "06-preview.png")
        # The preview's own links stay inside the preview.
        follow(driver, driver.find_element(By.CSS_SELECTOR, "header nav a[href$='/dashboard']"))
        assert "/preview/" in driver.current_url and "preview-banner" in driver.page_source
        # 4. Publish, with a note.
        driver.get(candidate)
        driver.find_element(By.ID, "reason").send_keys("令和6年度版の公開（E2E）")
        follow(driver, driver.find_element(By.ID, "publish-button"))
        assert "公開しました" in driver.find_element(By.ID, "published").text
        _shot(driver, shots, "07-published.png")
        # 5. The public /kpis shows the new values.
        _until(driver, server.url + "/kpis", present=True)
        _shot(driver, shots, "08-public-kpis.png")
        # 6. Roll back to the first release, with a reason.
        driver.get(console.url + "/releases")
        forms = driver.find_elements(By.CSS_SELECTOR, "form.rollback")
        assert len(forms) == 1  # every release but the live one
        forms[0].find_element(By.NAME, "reason").send_keys("確認のため前の版に戻す（E2E）")
        _shot(driver, shots, "09-history.png")
        navigate(driver, forms[0].find_element(By.CSS_SELECTOR, "button").click)
        rows = driver.find_elements(By.CSS_SELECTOR, "#releases tbody tr")
        assert rows[-1].find_elements(By.CSS_SELECTOR, ".status.live"), "the first is live"
        _shot(driver, shots, "10-rolled-back.png")
        # 7. The old values are back on the public site.
        _until(driver, server.url + "/kpis", present=False)
        assert driver.find_element(By.TAG_NAME, "main").text == old_kpis
        # 8. The audit log: every step, the refused upload included.
        driver.get(console.url + "/audit")
        _shot(driver, shots, "11-audit.png")
    audit = (place.state / "audit.jsonl").read_text(encoding="utf-8")
    (shots / "audit.jsonl").write_text(audit, encoding="utf-8")
    import json

    steps = [(e["user"], e["action"], e["result"]) for e in map(json.loads, audit.splitlines())]
    assert steps[-5:] == [
        ("alice", "login", "ok"),
        ("alice", "upload", "refused"),
        ("alice", "upload", "ok"),
        ("alice", "publish", "ok"),
        ("alice", "rollback", "ok"),
    ]
    for name in GUIDE:
        assert (shots / name).stat().st_size < 300 * 1024, name
