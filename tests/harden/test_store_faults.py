"""Store faults: a remote store killed under load, a slow store, a publish killed midway.

All against a real ``oxigraph serve``; the slow store and the killed publish go through
tests/support/fault_proxy.py, a real HTTP proxy that delays or holds chosen requests.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from converter.publish import publish
from server.stores.remote import RemoteStore
from tests.harden.figures import Figure, record
from tests.harden.scale import scaled_seconds
from tests.support.fakedist import DX, write_dist
from tests.support.fault_proxy import FORWARD_THEN_HOLD, HOLD, FaultProxy
from tests.support.live_server import live_process
from tests.support.oxigraph_server import OxigraphServer
from tests.support.timing import within

pytestmark = [pytest.mark.slow, pytest.mark.remote]
ROOT = Path(__file__).resolve().parents[2]
RESULTS = {"Accept": "application/sparql-results+json"}
KPIS = (
    "SELECT (COUNT(DISTINCT ?k) AS ?n) WHERE { ?k ?p ?o "
    'FILTER(STRSTARTS(STR(?k), "https://data.pref.fukushima.lg.jp/dx/id/kpi/")) }'
)
GRAPHS_TTL = 5.0  # DX_STORE_GRAPHS_TTL's default
SLOW_STORE = 30.0  #: seconds a slow store takes to answer (the limit is 2 s)


@dataclass
class Outcomes:
    """What the load's clients saw, with the time each answer came (monotonic)."""

    answers: list[tuple[float, float, int, bool]] = field(default_factory=list)  # at, took, …
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, at: float, took: float, status: int, right: bool) -> None:
        with self.lock:
            self.answers.append((at, took, status, right))


def _client(url: str, expected: str, until: float, seen: Outcomes, client: int) -> None:
    with requests.Session() as session:
        n = 0
        while time.monotonic() < until:
            n += 1
            started = time.monotonic()
            # A text no client sent before: a repeat is the response cache's to answer, and
            # it does, while the store is down too (the same build: still the right answer).
            query = f"{KPIS} # {client}-{n}"
            try:
                response = session.get(
                    url + "/sparql", params={"query": query}, headers=RESULTS, timeout=5
                )
                status = response.status_code
                right = status != 200 or _count(response.json()) == expected
            except requests.RequestException:
                status, right = 0, True
            seen.add(started, time.monotonic() - started, status, right)


def _count(doc: dict[str, object]) -> str:
    bindings = doc["results"]["bindings"]  # type: ignore[index]
    return str(bindings[0]["n"]["value"])


def test_store_killed_under_load(dist_dir: Path, tmp_path: Path) -> None:
    with OxigraphServer(tmp_path / "store") as store:
        publish(dist_dir, store_url=store.store_url, query_url=store.query_url)
        env = {"WEB_CONCURRENCY": "2", "DX_STORE_URL": store.query_url}
        with live_process(dist_dir, log=tmp_path / "server.log", **env) as live:
            first = requests.get(live.url + "/sparql", params={"query": KPIS}, headers=RESULTS)
            expected, seen = _count(first.json()), Outcomes()
            run = scaled_seconds(12.0, 30.0)
            until = time.monotonic() + run
            clients = [
                threading.Thread(target=_client, args=(live.url, expected, until, seen, i))
                for i in range(10)
            ]
            for thread in clients:
                thread.start()
            time.sleep(run / 4)  # waits: the clients run against a live store
            killed = time.monotonic()
            store.kill()
            time.sleep(run / 4)  # waits: the clients run against a dead store
            store.start()
            restarted = time.monotonic()
            for thread in clients:
                thread.join()
            log = live.log.read_text(errors="replace")
    _judge_kill(seen, expected, killed, restarted, log)


def _judge_kill(seen: Outcomes, expected: str, killed: float, restarted: float, log: str) -> None:
    down = [a for a in seen.answers if killed + 0.2 < a[0] < restarted - 0.2]
    wrong = [a for a in seen.answers if not a[3]]
    late = [a for a in seen.answers if a[0] > restarted and a[2] != 200]
    recovered = max((a[0] + a[1] for a in late), default=restarted) - restarted
    record(
        Figure(
            case="store faults: oxigraph serve killed under 10 clients, then restarted",
            sent=f"{len(seen.answers):,} queries ({len(down)} while the store was down)",
            outcome=f"down: {sorted({a[2] for a in down})} in ≤ {max(a[1] for a in down):.2f} s; "
            f"recovered {recovered:.1f} s after the restart; {len(wrong)} wrong answers",
            errors=len(wrong) + sum(a[2] not in (200, 503) or a[1] > 1.0 for a in down),
            p99_ms=sorted(a[1] for a in down)[int(len(down) * 0.99)] * 1000 if down else None,
            store="oxigraph",
        )
    )
    assert not wrong, wrong[:5]  # never a wrong answer
    assert down and {a[2] for a in down} == {503}, sorted({a[2] for a in down})
    assert max(a[1] for a in down) < within(1.0)
    assert recovered <= GRAPHS_TTL + within(1.0)
    assert "Traceback" not in log


def test_a_slow_store_gets_504_within_the_time_limit(dist_dir: Path, tmp_path: Path) -> None:
    with OxigraphServer(tmp_path / "store") as store:
        publish(dist_dir, store_url=store.store_url, query_url=store.query_url)
        with FaultProxy(store.base_url) as proxy:
            env = {
                "DX_STORE_URL": proxy.url + "/query",
                "DX_SPARQL_TIMEOUT": "2",
                "DX_STORE_TIMEOUT": "2",
            }
            with live_process(dist_dir, log=tmp_path / "server.log", **env) as live:
                proxy.rule = lambda method, path, body: SLOW_STORE  # every request, from now on
                timings = {}
                for path in ("/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D", "/id/kpi/2"):
                    started = time.monotonic()
                    response = requests.get(live.url + path, headers=RESULTS, timeout=30)
                    timings[path] = (response.status_code, time.monotonic() - started)
                proxy.rule = lambda method, path, body: None
    record(
        Figure(
            case="store faults: a store that answers after 30 s (limit 2 s)",
            sent="a query and a page",
            outcome=", ".join(
                f"{p.split('?')[0]}: {s} in {t:.1f} s" for p, (s, t) in timings.items()
            ),
            errors=sum(s != 504 or t > 3.0 for s, t in timings.values()),
            store="oxigraph",
        )
    )
    assert all(status == 504 for status, _ in timings.values()), timings
    assert all(took < SLOW_STORE / 2 for _, took in timings.values()), timings  # cut short


VALUES = f"SELECT ?v WHERE {{ ?cell <{DX}value> ?v }}"
#: Where the publisher dies: the request it is sending then (method, what its body holds),
#: and whether the store still gets it.
KILL_POINTS = {
    "after upload": (("POST", b"COUNT"), HOLD),  # the first graph is staged, not yet counted
    "after verification": (("POST", b"MOVE"), HOLD),  # all three staged and counted
    "during the switch": (("POST", b"MOVE"), FORWARD_THEN_HOLD),
}
#: Staging graphs the killed publish leaves behind at each step, for the next one to drop.
LEFT_BEHIND = {"after upload": 1, "after verification": 3, "during the switch": 0}


@pytest.mark.parametrize("step", list(KILL_POINTS))
def test_a_publish_killed_midway(step: str, tmp_path: Path) -> None:
    (method, marker), action = KILL_POINTS[step]
    with OxigraphServer(tmp_path / "store") as store:
        publish(write_dist(tmp_path / "v1", value="100.0"), **_urls(store.base_url))
        served = RemoteStore(store.query_url)
        with FaultProxy(store.base_url) as proxy:
            proxy.rule = lambda m, path, body: action if m == method and marker in body else None
            publisher = _publisher(write_dist(tmp_path / "v2", value="95.5"), proxy.url)
            proxy.on_hold = publisher.kill
            publisher.wait(timeout=60)
        after_kill = sorted(str(r["v"]) for r in served.select(VALUES))
        report = publish(write_dist(tmp_path / "v3", value="90"), **_urls(store.base_url))
        final = sorted(str(r["v"]) for r in served.select(VALUES))
    # A switch the store received is one transaction: all of v2, never a mix.
    wanted = ["95.5"] if action == FORWARD_THEN_HOLD else ["100"]
    record(
        Figure(
            case=f"publish killed {step}",
            sent="publish v2, SIGKILL at that step; then publish v3",
            outcome=f"served {after_kill} (v1 = 100); next publish dropped "
            f"{report.stale_staging_dropped} staging graph(s), then served {final}",
            errors=int(after_kill != wanted) + int(final != ["90"]),
            store="oxigraph",
        )
    )
    assert publisher.returncode == -9  # really killed at that step
    assert after_kill == wanted
    assert final == ["90"]
    assert report.stale_staging_dropped == LEFT_BEHIND[step]


def _urls(base: str) -> dict[str, str]:
    return {"store_url": base + "/store", "query_url": base + "/query"}


def _publisher(dist: Path, base: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "converter", "publish", str(dist), "--store", base + "/store"]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
