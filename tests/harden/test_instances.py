"""Two server instances behind the deployed nginx, over one shared ``oxigraph serve``.

The deployment of deploy/: two ``python -m server`` (nginx's two upstreams), each over the
same real ``oxigraph serve`` filled by ``converter.publish``, behind the real nginx running
deploy/nginx/dx-lod.conf over TLS (tests/support/nginx.py), under wrk at 100 connections
for 10 s (``make test``) or 60 s (``make harden``), while one instance is killed and
restarted, the store is stopped and started, or a new edition is published.

What reaches the servers: ``DX_CACHE_MAX_AGE=0``, so that nginx stores nothing (an answer
with ``max-age=0`` is not cacheable) and serves no stale copy: every request goes through
nginx to an instance, as a request for a new URL would, and what the test sees is what the
instances answered. The URLs are the site's own, fixed ones (not unique ones): each
instance keeps its own response cache, as in production, so the load is the site's and
not the remote store's cold path (issue 25's first point, measured by ``make bench``).

wrk tallies every answer (bench/wrk.py ``markers``): its status, whether it had
``Retry-After``, and which of the given texts its body holds; a thread beside it probes
once every 0.1 s to time what happened when.

Answers after more than 10 s (wrk counts them as timeouts, but they are answers, 200s) are
nginx's, not the instances': with nothing it may store, ``proxy_cache_lock`` lets the
concurrent requests for one URL through one at a time, each waiter looking again every
500 ms, for up to ``proxy_cache_lock_timeout`` (10 s). Measured on this setup without any
event: 64 such answers in 60 s while nginx's log put the instances' own p99 at 0.2 s; with
the lock off, none (and a third of the throughput). They are reported, not failed; the
instances' latency is in each figure ("upstream p99", from nginx's log).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from bench import wrk
from converter.contract import Manifest, graph_entry
from converter.publish import publish
from tests.harden.figures import Figure, record
from tests.harden.scale import scaled
from tests.harden.traffic import HTML, RESULTS, site_mix
from tests.support.live_server import Live, live_process
from tests.support.nginx import FrontProxy, front_proxy
from tests.support.oxigraph_server import OxigraphServer
from tests.support.processes import free_port
from tests.support.proctree import descendants
from tests.support.timing import within

pytestmark = [
    pytest.mark.slow,
    pytest.mark.remote,
    pytest.mark.skipif(wrk.available() is None, reason="needs wrk"),
]
CONNECTIONS = 100
GRAPHS_TTL = 5.0  #: DX_STORE_GRAPHS_TTL's default: how long the graph list is kept
KPI = "https://data.pref.fukushima.lg.jp/dx/id/kpi/2"
ACTUAL = "https://data.pref.fukushima.lg.jp/dx/id/value/fy2023/kpi-2/actual-fy2023"
#: KPI 2's name and its FY2023 actual value, in the published build and in the next one.
OLD_NAME, NEW_NAME = (
    "県及び市町村の行政手続のオンライン利用率",
    "県及び市町村の行政手続のオンライン活用率",
)
OLD_VALUE, NEW_VALUE = "43.1", "47.9"
MARKERS = (OLD_NAME, OLD_VALUE, NEW_NAME, NEW_VALUE)
OLD, NEW = (True, True, False, False), (False, False, True, True)


@dataclass
class Instance:
    """``python -m server`` on a port of its own that it keeps across restarts."""

    dist: Path
    logs: Path
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    starts: int = 0
    live: Live | None = None
    _stack: ExitStack = field(default_factory=ExitStack)

    def start(self) -> None:
        self.starts += 1
        log = self.logs / f"server-{self.port}-{self.starts}.log"
        self.live = self._stack.enter_context(
            live_process(self.dist, port=self.port, log=log, **self.env)
        )

    def kill(self) -> None:
        """SIGKILL to every process of the instance at once, as the OOM killer or systemd
        stopping a failed unit's cgroup would (granian's workers would outlive their
        parent otherwise, still serving)."""
        assert self.live is not None
        for pid in descendants(self.live.process.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.stop()

    def stop(self) -> None:
        self._stack.close()
        self.live = None

    def served(self) -> int:
        """Requests this instance logged, over all its starts."""
        return sum(
            len(re.findall(r'" \d{3} ', log.read_text(errors="replace")))
            for log in self.logs.glob(f"server-{self.port}-*.log")
        )


@dataclass
class Cluster:
    store: OxigraphServer
    instances: list[Instance]
    front: FrontProxy


@pytest.fixture
def cluster(dist_dir: Path, tmp_path: Path) -> Iterator[Cluster]:
    """A store of its own (a test stops it, or publishes into it), two instances, nginx."""
    with ExitStack() as stack:
        store = stack.enter_context(OxigraphServer(tmp_path / "store"))
        publish(dist_dir, store_url=store.store_url, query_url=store.query_url)
        env = {
            "WEB_CONCURRENCY": "1",  # two instances of one process: make run's two
            "DX_STORE_URL": store.query_url,
            "DX_CACHE_MAX_AGE": "0",
        }
        instances = [Instance(dist_dir, tmp_path, env) for _ in range(2)]
        for instance in instances:
            instance.start()
            stack.callback(instance.stop)
        nginx = tmp_path / "nginx"
        nginx.mkdir()
        ports = tuple(i.port for i in instances)
        front = stack.enter_context(front_proxy(nginx, ports, connections=1024))
        yield Cluster(store, instances, front)


def _load(
    cluster: Cluster, mix: list[wrk.Request], seconds: int, markers: tuple[str, ...] = ()
) -> wrk.WrkResult:
    front = cluster.front
    return wrk.run(
        front.tls_port,
        mix,
        connections=CONNECTIONS,
        seconds=seconds,
        threads=2,
        url=front.url,
        markers=markers,
    )


@dataclass
class Probe:
    """What one probe saw: when (monotonic), the status, Retry-After, nginx's cache status."""

    at: float
    status: int
    retry_after: str | None
    cache: str | None
    body: str


def _probing(
    front: FrontProxy, path: Callable[[int], str], headers: dict[str, str], stop: threading.Event
) -> tuple[list[Probe], threading.Thread]:
    """A thread that GETs ``path(n)`` every 0.1 s until ``stop``, and what it saw."""
    probes: list[Probe] = []

    def run() -> None:
        with requests.Session() as session:
            while not stop.is_set():
                at = time.monotonic()
                try:
                    answer = session.get(
                        front.url + path(len(probes)),
                        headers=headers,
                        timeout=10,
                        verify=str(front.certificate),
                    )
                    probes.append(
                        Probe(
                            at,
                            answer.status_code,
                            answer.headers.get("Retry-After"),
                            answer.headers.get("X-Cache-Status"),
                            answer.text,
                        )
                    )
                except requests.RequestException as exc:
                    probes.append(Probe(at, 0, None, None, type(exc).__name__))
                stop.wait(0.1)

    return probes, threading.Thread(target=run, name="probe", daemon=True)


def _during(
    cluster: Cluster,
    mix: list[wrk.Request],
    seconds: int,
    event: Callable[[], None],
    *,
    at: float,
    markers: tuple[str, ...] = (),
) -> wrk.WrkResult:
    """wrk for ``seconds``; ``event()`` runs after ``at`` of them (in this thread)."""
    with ThreadPoolExecutor(1) as pool:
        load = pool.submit(_load, cluster, mix, seconds, markers)
        time.sleep(seconds * at)  # waits: the load runs against the healthy cluster first
        event()
        return load.result()


def test_an_instance_killed_and_restarted_fails_no_request(cluster: Cluster) -> None:
    seconds, mix = scaled(10, 60), site_mix()
    killed = cluster.instances[1]
    timings: dict[str, float] = {}

    def kill_and_restart() -> None:
        before = killed.served()
        started = time.monotonic()
        killed.kill()
        killed.start()  # back once it answers: a new process, a cold cache
        timings.update(before=before, down=time.monotonic() - started)

    result = _during(cluster, mix, seconds, kill_and_restart, at=0.3, markers=())
    after = killed.served() - timings["before"]
    # Each failed attempt nginx logs (a refused connect, a connection cut mid-answer) was
    # retried on the other instance.
    failed = re.findall(r"\] \d+#\d+: \*\d+ (.+?) while ", cluster.front.error_log())
    retried = Counter("refused" if "refused" in f else "cut" for f in failed)
    statuses = Counter({a.status: n for a, n in result.tally.items()})
    attempts = _nginx_attempts(cluster.front)
    twice = [times for _, times in attempts if len(times) > 1]
    slowest_retry = max((a[0] for a in twice), default=0.0)
    record(
        Figure(
            case=f"instances: one of two killed (SIGKILL) and restarted under "
            f"{CONNECTIONS} connections × {seconds} s, through nginx",
            sent=f"{result.requests:,} requests ({result.rps:,.0f}/s), p50 {result.p50_ms:.0f} ms, "
            f"upstream p99 {_upstream_p99_ms(cluster.front):.0f} ms",
            outcome=f"down {timings['down']:.1f} s until it answered again; "
            f"statuses {dict(sorted(statuses.items()))} ({result.timeouts} after more than 10 s); "
            f"it served {timings['before']:,.0f} before and {after:,} after; nginx retried "
            f"{retried['refused']:,} refused connects and {retried['cut']:,} answers cut "
            f"short on the other ({len(twice):,} requests, the first attempt ≤ "
            f"{slowest_retry * 1000:.0f} ms)",
            errors=_failed(result),
            p99_ms=result.p99_ms,
            store="oxigraph",
        )
    )
    assert result.bad_status == 0 and set(statuses) <= {200}, statuses
    assert result.socket_errors == result.timeouts, result  # no connection failed
    assert twice, "nginx retried nothing: the kill was not seen"
    assert slowest_retry < within(1.0), slowest_retry  # a dead instance costs no wait
    assert timings["before"] > 0 and after > 0  # both really served, before and after
    # A request without an answer in 10 s that nginx had sent twice would be the failover's.
    assert not [a for status, a in attempts if status == 499 and len(a) > 1]


def _failed(result: wrk.WrkResult) -> int:
    """Requests that got an error status or none at all (an answer after 10 s is slow, not
    failed: see the module docstring)."""
    return result.bad_status + result.socket_errors - result.timeouts


def _upstream_p99_ms(front: FrontProxy) -> float:
    """The instances' own p99 (all attempts of a request), as nginx logged it."""
    times = sorted(sum(a) for _, a in _nginx_attempts(front) if a)
    return times[min(len(times) - 1, int(len(times) * 0.99))] * 1000 if times else 0.0


def _nginx_attempts(front: FrontProxy) -> list[tuple[int, list[float]]]:
    """Each request of nginx's access log: its status and the seconds of each upstream
    attempt (``upstream=0.000, 0.004`` when the first instance failed and the second
    answered; 499: the client gave up first)."""
    found = []
    for line in (front.work / "access.log").read_text(errors="replace").splitlines():
        match = re.search(r'" (\d{3}) \d+ cache=\S+ upstream=(.*)$', line)
        if match:
            times = [float(t) for t in re.findall(r"\d+\.\d+", match.group(2))]
            found.append((int(match.group(1)), times))
    return found


def test_the_store_restarted_gives_503_only_while_it_is_down(cluster: Cluster) -> None:
    seconds, mix = scaled(10, 60), site_mix()
    stop = threading.Event()
    # A query of its own each time: no cache holds it, so each probe asks the store.
    probes, prober = _probing(cluster.front, _unique_query, RESULTS, stop)
    moments: dict[str, float] = {}

    # Down for longer than the graph list is kept (until then each instance answers the
    # pages it has rendered from its response cache): a quarter of the run, at least the
    # TTL and a half.
    down = max(seconds * 0.25, GRAPHS_TTL + 1.5)

    def stop_then_start() -> None:
        moments["stopped"] = time.monotonic()
        cluster.store.stop()
        time.sleep(down)  # waits: the load runs against a stopped store
        moments["restarting"] = time.monotonic()
        cluster.store.start()
        moments["back"] = time.monotonic()

    prober.start()
    try:
        result = _during(cluster, mix, seconds, stop_then_start, at=0.2, markers=())
        afterwards = _load(cluster, mix, 3)  # once it is back: nothing but 200
    finally:
        stop.set()
        prober.join()
    by_kind = Counter({(a.status, a.retry_after): n for a, n in result.tally.items()})
    failed = [p for p in probes if p.status != 200]
    late = [p for p in failed if p.at > moments["back"]]
    recovered = max((p.at for p in late), default=moments["back"]) - moments["back"]
    during = [p for p in probes if moments["stopped"] < p.at < moments["restarting"]]
    first_503 = min((p.at for p in failed), default=float("nan")) - moments["stopped"]
    wrong = sum(n for (status, _), n in by_kind.items() if status not in (200, 503))
    bare = sum(n for (status, retry), n in by_kind.items() if status == 503 and not retry)
    record(
        Figure(
            case=f"instances: the shared store stopped for {down:.1f} s and "
            f"started again under {CONNECTIONS} connections × {seconds} s, through nginx",
            sent=f"{result.requests:,} requests ({result.rps:,.0f}/s), upstream p99 "
            f"{_upstream_p99_ms(cluster.front):.0f} ms; {len(probes)} probes (a query each)",
            outcome=f"answers {_kinds(by_kind)}; probes: the first 503 to one sent "
            f"{first_503:+.1f} s from the stop, {sum(p.status == 503 for p in during)} 503 "
            f"of {len(during)} while down; "
            f"recovered {recovered:.1f} s after the store was back; answers after more than "
            f"10 s: {result.timeouts}; then {afterwards.requests:,} requests, "
            f"{afterwards.errors} errors",
            errors=wrong
            + result.socket_errors
            - result.timeouts
            + afterwards.errors
            + len([p for p in late if p.status != 503]),
            p99_ms=result.p99_ms,
            store="oxigraph",
        )
    )
    assert wrong == 0, by_kind  # 200 or 503, nothing else (no 502 from nginx)
    assert result.socket_errors == result.timeouts, result  # no connection failed
    assert {p.status for p in failed} <= {503}, [(p.status, p.body[:80]) for p in failed]
    assert any(p.status == 503 for p in during), "the store's stop was not seen"
    assert recovered <= GRAPHS_TTL + within(1.0), recovered
    assert afterwards.errors == 0, afterwards
    assert {p.cache for p in probes} <= {"MISS", None}, {p.cache for p in probes}  # no stale copy
    five_hundred_threes = sum(n for (status, _), n in by_kind.items() if status == 503)
    # Every 503 of an outage says when to come back (StoreUnavailable.retry_after).
    assert bare == 0, f"{bare:,} of {five_hundred_threes:,} 503 answers had no Retry-After"


def _unique_query(n: int) -> str:
    return "/sparql?query=" + quote(f"ASK {{ ?s ?p ?o }} # probe {n}")


def _kinds(by_kind: Counter[tuple[int, bool]]) -> str:
    return ", ".join(
        f"{status}{' with Retry-After' if retry else ''}: {n:,}"
        for (status, retry), n in sorted(by_kind.items())
    )


def next_edition(dist: Path, out: Path) -> Path:
    """The build ``dist`` with KPI 2 renamed and its FY2023 actual changed, as a correction
    of the table would give (the same triples, other values; a manifest that says so)."""
    shutil.copytree(dist, out)
    manifest = Manifest.read(out)
    entries = []
    for entry in manifest.graphs:
        path = out / entry.path
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        changed = [_corrected(line) for line in lines]
        path.write_text("".join(changed), encoding="utf-8")
        entries.append(graph_entry(out, entry.iri, entry.path, entry.triples))
    replace(manifest, graphs=tuple(entries)).write(out)
    return out


def _corrected(line: str) -> str:
    line = line.replace(OLD_NAME, NEW_NAME)
    if line.startswith(f"<{ACTUAL}>"):  # its value, notation and labels
        line = line.replace(f'"{OLD_VALUE}', f'"{NEW_VALUE}').replace(
            f": {OLD_VALUE}%", f": {NEW_VALUE}%"
        )
    return line


#: The answers whose every copy must be wholly one edition: KPI 2's page (its name, its
#: values and their chart come from several store queries), its FY2023 actual's page (the
#: KPI's name is a label read apart), and one query that reads both.
EDITION_MIX = [
    wrk.Request("/id/kpi/2", HTML),
    wrk.Request("/id/value/fy2023/kpi-2/actual-fy2023", HTML),
    wrk.Request(
        "/sparql?query="
        + quote(
            f"SELECT ?name ?v WHERE {{ <{KPI}> <http://www.w3.org/2004/02/skos/core#prefLabel> "
            f"?name . <{ACTUAL}> <https://data.pref.fukushima.lg.jp/dx/ontology#value> ?v }}"
        ),
        RESULTS,
    ),
]


def _edition(front: FrontProxy, request: wrk.Request) -> tuple[bool, ...]:
    body = front.get(request.path, headers=dict(request.headers)).text
    return tuple(marker in body for marker in MARKERS)


def test_a_publish_under_load_serves_each_answer_wholly_old_or_new(
    cluster: Cluster, dist_dir: Path, tmp_path: Path
) -> None:
    """One publish of the next edition in the short form; in full, nine, alternately the
    next and the first (more switches, more chances to catch a page built across one),
    ending on the next."""
    seconds, publishes = scaled(10, 60), scaled(1, 9)
    v2 = next_edition(dist_dir, tmp_path / "v2")
    assert [_edition(cluster.front, r) for r in EDITION_MIX] == [OLD] * len(EDITION_MIX)
    stop = threading.Event()
    # Probes of each answer beside wrk, which counts kinds of answers only: a mixed one
    # is kept to be read.
    probing = [
        _probing(cluster.front, lambda n, r=r: r.path, dict(r.headers), stop) for r in EDITION_MIX
    ]
    took: list[float] = []
    gap = seconds * 0.6 / publishes  # from 20 % of the run to 80 %

    def publish_in_turn() -> None:
        for n in range(publishes):
            started = time.monotonic()
            build = v2 if n % 2 == 0 else dist_dir
            publish(build, store_url=cluster.store.store_url, query_url=cluster.store.query_url)
            took.append(time.monotonic() - started)
            if n < publishes - 1:
                time.sleep(max(0.0, gap - took[-1]))
        took.append(time.monotonic())  # when the last switch was done

    for _, prober in probing:
        prober.start()
    try:
        result = _during(cluster, EDITION_MIX, seconds, publish_in_turn, at=0.2, markers=MARKERS)
    finally:
        stop.set()
        for _, prober in probing:
            prober.join()
    switched = took.pop()
    ok = {a: n for a, n in result.tally.items() if a.status == 200}
    old = sum(n for a, n in ok.items() if a.markers == OLD)
    new = sum(n for a, n in ok.items() if a.markers == NEW)
    mixed = {a.markers: n for a, n in ok.items() if a.markers not in (OLD, NEW)}
    failed = sum(n for a, n in result.tally.items() if a.status != 200)
    probed = [
        (r.path, p) for r, (probes, _) in zip(EDITION_MIX, probing, strict=True) for p in probes
    ]
    last_old = max((p.at for _, p in probed if _markers(p.body) == OLD), default=switched)
    mixed_probes = _keep_mixed(probed, tmp_path)
    record(
        Figure(
            case=f"instances: {publishes} publish(es) of another edition under {CONNECTIONS} "
            f"connections × {seconds} s, through nginx (KPI 2 renamed, its actual changed)",
            sent=f"{result.requests:,} requests ({result.rps:,.0f}/s) of 3 answers that "
            f"show both the name and the value, upstream p99 "
            f"{_upstream_p99_ms(cluster.front):.0f} ms; {len(probed)} probes",
            outcome=f"wholly old: {old:,}, wholly new: {new:,}, mixed: {sum(mixed.values())} "
            f"{_combinations(mixed)}, failed: {failed} ({result.timeouts} after more than 10 s); "
            f"mixed probes: {mixed_probes}; a publish took {min(took):.1f}–{max(took):.1f} s; "
            f"the last old answer to the probes {last_old - switched:+.1f} s from the end of "
            "the last",
            errors=sum(mixed.values()) + _failed(result),
            p99_ms=result.p99_ms,
            store="oxigraph",
        )
    )
    assert failed == 0 and result.socket_errors == result.timeouts, result
    assert old > 0 and new > 0, (old, new)  # the publish really happened in the middle
    assert last_old - switched <= GRAPHS_TTL + within(1.0)
    assert [_edition(cluster.front, r) for r in EDITION_MIX] == [NEW] * len(EDITION_MIX)
    # A mixed answer holds a part of each edition; anything else (a page without the name
    # or the value) would be another fault than the one below.
    halves = [key for key in mixed if any(key[:2]) and any(key[2:])]
    assert sorted(halves) == sorted(mixed), f"broken answers: {_combinations(mixed)}"
    # A page is one query (server/web/common/batch.py), so one snapshot of the store, and
    # the response cache keeps an answer under the digest read before it was rendered.
    assert not mixed, (
        f"{sum(mixed.values()):,} answers mixed the editions {_combinations(mixed)}; "
        f"probes: {mixed_probes} (kept in {tmp_path})"
    )


def _markers(body: str) -> tuple[bool, ...]:
    return tuple(marker in body for marker in MARKERS)


def _combinations(mixed: dict[tuple[bool, ...], int]) -> str:
    """``{old name + new value: 3, …}``: which markers the mixed answers held."""
    names = ("old name", "old value", "new name", "new value")
    return (
        "{"
        + ", ".join(
            f"{' + '.join(n for n, held in zip(names, key, strict=True) if held) or 'none'}: {count}"
            for key, count in sorted(mixed.items())
        )
        + "}"
    )


def _keep_mixed(probed: list[tuple[str, Probe]], where: Path) -> str:
    """Write the probes' mixed answers to ``where``; say how many of which URL."""
    counts: Counter[str] = Counter()
    for path, probe in probed:
        if probe.status == 200 and _markers(probe.body) not in (OLD, NEW):
            counts[path.split("?")[0]] += 1
            (where / f"mixed-{sum(counts.values())}.txt").write_text(
                f"{path}\n{_markers(probe.body)}\n{probe.body}", encoding="utf-8"
            )
    return str(dict(counts)) if counts else "none"
