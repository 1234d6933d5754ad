"""The console's metrics: ``python -m console`` serves them on its metrics port (127.0.0.1),
read with prometheus_client's parser: its requests by route and status, and its build."""

from __future__ import annotations

from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.console.conftest import Place
from tests.console.live import live_console
from tests.support.processes import free_port, wait_until_answers


def test_the_console_is_scraped(place: Place, tmp_path: Path) -> None:
    port = free_port()
    env = {
        **place.env(),
        "DX_METRICS_PORT": str(port),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),  # as its systemd unit sets it
    }
    with live_console(env, tmp_path / "console.log") as console:
        for _ in range(3):
            assert requests.get(console.url + "/login", timeout=10).status_code == 200
        signed_out = requests.get(console.url + "/nothing", timeout=10, allow_redirects=False)
        metrics = f"http://127.0.0.1:{port}/metrics"
        wait_until_answers(metrics, console.process, what="the console's metrics", timeout=15)
        text = requests.get(metrics, timeout=10).text
    samples = {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    login = {("route", "/login"), ("method", "GET"), ("status", "200")}
    assert samples[("dx_http_requests_total", frozenset(login))] >= 3  # the start-up check too
    # Signed out, an unknown path is sent to the sign-in page: no route matched it.
    missing = {("route", "unmatched"), ("method", "GET"), ("status", str(signed_out.status_code))}
    assert samples[("dx_http_requests_total", frozenset(missing))] == 1
    [info] = [dict(labels) for name, labels in samples if name == "dx_build_info"]
    assert info["version"] == "0.1.0" and "digest" not in info  # the console serves no data
