"""Under load, a publish and a roll-back: wrk at 100 connections on the public server
(``python -m server``, 2 processes, ``DX_DIST_DIR=<releases>/current``) while the console
switches the release. No request may fail, and every answer's ETag must be the one of the
release its body came from (issue 24).

wrk checks each answer itself (bench/wrk.py ``run_checked``): its ETag must be one the
test expects and its body exactly that ETag's body, for a mix of pages, a KPI in HTML
and Turtle and the dashboard's JSON. The expected answers are rendered beforehand by the
server's own app over each release's build, and checked against the live server.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from bench import wrk
from console.config import ConsoleSettings
from console.service import Console
from server.app import create_app
from server.wsgi.release_switch import close_app
from tests.conftest import PUBLICATION
from tests.console.tables import FY2024
from tests.harden.figures import Figure, record
from tests.harden.scale import scaled
from tests.support.live_server import live_process
from tests.support.timing import within

pytestmark = [pytest.mark.slow, pytest.mark.skipif(wrk.available() is None, reason="needs wrk")]
CONNECTIONS = 100
PATHS = ("/kpis", "/", "/id/kpi/3", "/id/kpi/3.ttl", "/dashboard.json")
#: KPI 3's FY2024 actual: only the new release has it.
NEW_VALUE = "69,512"


def _expected(dist: Path, label: str) -> tuple[dict[str, tuple[str, bytes]], dict[str, str]]:
    """{ETag: (label, body)} of the mix, rendered by the server's app over ``dist``, and
    {path: ETag}."""
    app = create_app({"DIST_DIR": str(dist), "SPARQL_WORKERS": 1})
    try:
        client = app.test_client()
        found, etags = {}, {}
        for path in PATHS:
            answer = client.get(path)
            assert answer.status_code == 200, path
            found[answer.headers["ETag"]] = (label, answer.get_data())
            etags[path] = answer.headers["ETag"]
        return found, etags
    finally:
        close_app(app)


def _live_matches(url: str, expected: dict[str, tuple[str, bytes]], label: str) -> None:
    for path in PATHS:
        answer = requests.get(url + path, timeout=10)
        etag = answer.headers["ETag"]
        assert expected.get(etag) == (label, answer.content), (path, label)


def _switch_seen(url: str, etag: str, since: float, until: float) -> float | None:
    """Seconds from ``since`` until /kpis answers with ``etag`` (None if it never did)."""
    while time.monotonic() < until:
        if requests.get(url + "/kpis", timeout=10).headers.get("ETag") == etag:
            return time.monotonic() - since
        time.sleep(0.02)
    return None


def _under_load(
    port: int, expected: dict[str, tuple[str, bytes]], seconds: int, act: Any
) -> tuple[wrk.CheckedResult, float | None]:
    """wrk for ``seconds`` while ``act()`` runs a quarter of the way in; the result and
    what ``act`` returned."""
    mix = [wrk.Request(path) for path in PATHS]
    done: dict[str, Any] = {}
    load = threading.Thread(
        target=lambda: done.update(
            result=wrk.run_checked(
                port, mix, expected, connections=CONNECTIONS, seconds=seconds, threads=2
            )
        )
    )
    load.start()
    time.sleep(seconds / 4)  # waits: wrk is at full load by then (its connections open at once)
    acted = act()
    load.join()
    return done["result"], acted


def test_no_request_fails_during_a_publish_and_a_roll_back(tmp_path: Path) -> None:
    settings = ConsoleSettings.load(
        {"CONSOLE_STATE_DIR": str(tmp_path / "state"), "RELEASES_DIR": str(tmp_path / "r")},
        environ={},
    )
    console = Console.open(settings)
    first = console.publisher.init("cli", PUBLICATION, tmp_path / "init")["id"]
    candidate = console.upload("alice", FY2024.name, iter([FY2024.read_bytes()]))
    assert candidate["status"] == "checked", candidate
    old, old_etags = _expected(settings.releases / first / "dist", "old")
    new, new_etags = _expected(console.candidates.folder(candidate["id"]) / "dist", "new")
    assert NEW_VALUE.encode() in new[new_etags["/kpis"]][1]
    assert NEW_VALUE.encode() not in old[old_etags["/kpis"]][1]
    assert not set(old) & set(new)  # every answer's ETag changes with the release
    expected = {**old, **new}
    seconds = scaled(12, 40)
    env = {"WEB_CONCURRENCY": "2"}
    with live_process(settings.releases / "current", log=tmp_path / "server.log", **env) as live:
        port = int(live.url.rsplit(":", 1)[1])
        _live_matches(live.url, old, "old")
        mix = [wrk.Request(p) for p in PATHS]
        warm = wrk.run_checked(port, mix, expected, connections=CONNECTIONS, seconds=2, threads=2)
        assert warm.mismatched == 0 and warm.result.errors == 0, warm
        for action, target, want in (
            ("publish", "new", new_etags["/kpis"]),
            ("roll-back", "old", old_etags["/kpis"]),
        ):

            def act(action: str = action, want: str = want) -> float | None:
                started = time.monotonic()
                if action == "publish":
                    console.publisher.publish(candidate["id"], "alice", "under load")
                else:
                    console.publisher.rollback(first, "alice", "under load")
                # Up to 5 s from the publish's end, not its start: under load its staging
                # (copy and fsync) alone once took longer than that, and nothing was polled.
                return _switch_seen(live.url, want, started, time.monotonic() + within(5))

            checked, switched = _under_load(port, expected, seconds, act)
            result = checked.result
            record(
                Figure(
                    case=f"{action} under load: {CONNECTIONS} connections × {seconds} s, "
                    f"{len(PATHS)} URLs, every ETag checked against its body",
                    sent=f"{result.requests:,} requests ({result.rps:,.0f}/s), "
                    f"p50 {result.p50_ms:.0f} ms",
                    outcome=f"answers per release {dict(sorted(checked.seen.items()))}; "
                    f"switch seen {switched or 0:.2f} s after the {action} began; "
                    f"failed {result.errors + checked.not_200}, wrong ETag/body "
                    f"{checked.mismatched}",
                    errors=result.errors + checked.not_200 + checked.mismatched,
                    p99_ms=result.p99_ms,
                )
            )
            assert result.errors == 0 and checked.not_200 == 0, checked  # 0 failed requests
            assert checked.mismatched == 0, checked  # every ETag is its body's release's
            assert checked.seen.get("old", 0) > 0 and checked.seen.get("new", 0) > 0, checked
            assert switched is not None, f"{action}: the server did not switch"
            _live_matches(live.url, new if target == "new" else old, target)
        assert live.process.poll() is None  # one server, never restarted
