"""The Prometheus metrics (issue 25): scraped from ``python -m server`` with two granian
workers on its metrics port, and read with prometheus_client's own parser.

Every count is exact: the scrape sums both workers' files (multi-process mode), so what the
test sent is what the metrics say, whichever worker answered. A worker killed outright is
replaced; its counts stay in the sums and its live gauges leave them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from converter.contract import Manifest
from server import errors
from server.metrics.families import sparql_outcome
from server.metrics.folder import MULTIPROCESS_VARIABLE, prepare_multiprocess_dir
from server.stores.local import LocalStore
from tests.sparql.conftest import sparql_app
from tests.support.live_server import Live, live_process
from tests.support.processes import free_port
from tests.support.proctree import descendants
from tests.support.timing import within

#: A join of every triple with itself four times: runs until the time limit stops it.
EXPLOSION = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
#: A string doubled 30 times (10 GiB): stopped at the query worker's memory cap.
BOMB = (
    'SELECT (STRLEN(?s30) AS ?n) WHERE { BIND("0123456789" AS ?s0) '
    + " ".join(f"BIND(CONCAT(?s{i}, ?s{i}) AS ?s{i + 1})" for i in range(30))
    + " }"
)
RESULTS = {"Accept": "application/sparql-results+json"}
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(url: str) -> Samples:
    """Every sample of the metrics at ``url``, read by prometheus_client's parser."""
    text = requests.get(url, timeout=10).text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum over every sample of ``name`` that has ``labels`` (others free)."""
    wanted = set(labels.items())
    return sum(v for (n, found), v in samples.items() if n == name and wanted <= found)


def granian_workers(live: Live) -> list[int]:
    """The server's worker processes (the root's children but the query workers)."""
    found = []
    for pid in descendants(live.process.pid):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == live.process.pid and b"server.stores.worker" not in cmd:
            found.append(pid)
    return found


def until(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + within(seconds)
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def test_a_scrape_of_two_workers(dist_dir: Path, tmp_path: Path) -> None:
    port = free_port()
    env = {
        "WEB_CONCURRENCY": "2",
        "DX_METRICS_PORT": str(port),
        "DX_SPARQL_TIMEOUT": "1",
        "DX_SPARQL_MEMORY_MB": "512",  # 128 MiB per query worker: the bomb dies fast
        MULTIPROCESS_VARIABLE: str(tmp_path / "metrics"),
    }
    with live_process(dist_dir, log=tmp_path / "server.log", **env) as live:
        metrics = f"http://127.0.0.1:{port}/metrics"
        assert until(lambda: _answers(metrics), 15), live.log.read_text()
        before = scrape(metrics)
        gets = _send_the_mix(live.url)
        after = scrape(metrics)

        def sent(name: str, **labels: str) -> float:
            return total(after, name, **labels) - total(before, name, **labels)

        assert sent("dx_http_requests_total", route="/kpis", method="GET", status="200") == 30
        assert sent("dx_http_requests_total", route="/id/<path:rest>", status="200") == 5
        assert sent("dx_http_requests_total", route="unmatched", status="404") == 3
        assert sent("dx_http_requests_total", route="/sparql", status="503") == 2
        assert sent("dx_http_request_duration_seconds_count", route="/kpis") == 30
        bucket = value(
            after, "dx_http_request_duration_seconds_bucket", route="/kpis", method="GET", le="+Inf"
        )
        assert bucket == value(
            after, "dx_http_request_duration_seconds_count", route="/kpis", method="GET"
        )
        # Every GET is looked up once: a hit (fast path or Flask) or a miss.
        lookups = sent("dx_response_cache_lookups_total")
        assert lookups == gets and sent("dx_response_cache_lookups_total", result="hit") >= 26
        assert value(after, "dx_response_cache_bytes") > 0
        outcomes = {
            o: sent("dx_sparql_queries_total", outcome=o)
            for o in ("answered", "invalid", "timed_out", "out_of_memory", "refused", "failed")
        }
        assert outcomes == {
            "answered": 2,
            "invalid": 1,
            "timed_out": 1,
            "out_of_memory": 1,
            "refused": 0,
            "failed": 0,
        }
        assert value(after, "dx_sparql_query_slots") == 2 * 56  # DX_SPARQL_CONCURRENCY × 2
        assert value(after, "dx_sparql_query_slots_in_use") == 0
        assert value(after, "dx_sparql_query_workers_busy") == 0
        assert sent("dx_store_requests_total", store="embedded") >= 1
        assert sent("dx_store_errors_total") == 0
        [info] = [labels for (name, labels), _ in after.items() if name == "dx_build_info"]
        assert dict(info)["digest"] == Manifest.read(dist_dir).data_digest
        assert dict(info)["version"] == "0.1.0"

        # Not public: on 127.0.0.1 only, and not on the site's own port.
        listening = subprocess.run(
            ["ss", "-Hltn", f"sport = :{port}"], capture_output=True, text=True, check=True
        ).stdout.split()
        assert f"127.0.0.1:{port}" in listening, listening
        assert requests.get(live.url + "/metrics", timeout=10).status_code == 404

        _a_worker_dies(live, metrics, after)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _send_the_mix(site: str) -> int:
    """Pages, resources, misses and every /sparql outcome; returns the GETs sent."""
    with requests.Session() as http:
        for _ in range(30):
            assert http.get(site + "/kpis", timeout=10).status_code == 200
        for n in range(1, 6):
            assert http.get(f"{site}/id/kpi/{n}.ttl", timeout=10).status_code == 200
        for n in range(3):
            assert http.get(f"{site}/nothing/{n}", timeout=10).status_code == 404
        queries = [
            ("ASK { ?s ?p ?o }", 200),
            ("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1", 200),
            ("SELEC nothing", 400),
            (EXPLOSION, 503),
            (BOMB, 503),
        ]
        for query, status in queries:
            answer = http.get(f"{site}/sparql?query={quote(query)}", headers=RESULTS, timeout=30)
            assert answer.status_code == status, (query, answer.text)
    return 30 + 5 + 3 + len(queries)


def _a_worker_dies(live: Live, metrics: str, before: Samples) -> None:
    """Kill a worker outright: granian replaces it, another takes the port if it was the
    dead one's, the counts stay, and the dead one's live gauges leave the sums."""
    workers = granian_workers(live)
    assert len(workers) == 2, workers
    os.kill(workers[0], signal.SIGKILL)
    assert until(lambda: len(set(granian_workers(live)) - set(workers)) == 1, 20)
    assert until(lambda: _answers(metrics), 20)
    assert until(lambda: value(scrape(metrics), "dx_sparql_query_slots") == 2 * 56, 20)
    after = scrape(metrics)
    kpis = {"route": "/kpis", "method": "GET", "status": "200"}
    assert value(after, "dx_http_requests_total", **kpis) == value(
        before, "dx_http_requests_total", **kpis
    )


def test_a_query_without_a_free_slot_counts_as_refused(local_store: LocalStore) -> None:
    def refused() -> float:
        return REGISTRY.get_sample_value("dx_sparql_queries_total", {"outcome": "refused"}) or 0.0

    with sparql_app(local_store, SPARQL_CONCURRENCY=1, SPARQL_TIMEOUT=2.0) as (app, _):
        start = refused()
        with ThreadPoolExecutor(1) as threads:
            slow = threads.submit(app.test_client().get, f"/sparql?query={quote(EXPLOSION)}")
            assert until(
                lambda: (REGISTRY.get_sample_value("dx_sparql_query_slots_in_use") or 0) >= 1, 5
            )
            busy = app.test_client().get(f"/sparql?query={quote('ASK {}')}")
            slow.result(timeout=10)
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "1"
    assert refused() == start + 1


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (None, "answered"),
        (errors.StoreBusy("x"), "refused"),
        (errors.QueryOutOfMemory("x"), "out_of_memory"),
        (errors.QueryStopped("x"), "timed_out"),
        (errors.StoreTimeout("x"), "timed_out"),
        (errors.QuerySyntaxError("x"), "invalid"),
        (errors.QueryRefused("x"), "invalid"),
        (errors.ApiError(413, "x"), "invalid"),
        (errors.StoreUnavailable("x"), "failed"),
        (errors.StoreError("x"), "failed"),
    ],
)
def test_sparql_outcomes(error: BaseException | None, outcome: str) -> None:
    assert sparql_outcome(error) == outcome


def test_the_metric_files_of_an_earlier_run_are_removed(tmp_path: Path) -> None:
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_123.db").write_bytes(b"old")
    (folder / "keep.txt").write_text("not ours")
    assert prepare_multiprocess_dir(str(folder)) == str(folder)
    assert sorted(p.name for p in folder.iterdir()) == ["keep.txt"]
    fresh = Path(prepare_multiprocess_dir(None))
    assert fresh.is_dir() and not list(fresh.iterdir())
    fresh.rmdir()
