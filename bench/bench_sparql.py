"""Benchmark /sparql against ``oxigraph serve`` on the same data, side by side.

Both servers run on 127.0.0.1 (free ports) over the same build: ours as the README runs it
(``python -m server``: gunicorn, 2 gthread workers, each with its query worker processes), and
``oxigraph serve --union-default-graph``. Each workload is driven by the same client: 20
threads, each with its own keep-alive ``http.client`` connection, bounded by a request count
and a duration. Printed: throughput and p50/p99 latency, and ours as a ratio to Oxigraph's.

Workloads:
- cheap: one small lookup, the same text every time (our answer cache may serve it);
- curated: the example queries of server/queries, round robin (our cache may answer);
- curated*: the same, each text made unique by a comment, so our engine answers every time;
- varied: one query shape over every project and KPI, each text made unique by a comment,
  so no cache can hide the engine.

Usage: ``python bench/bench_sparql.py [--dist DIR] [--seconds 5] [--requests 3000]
[--repeat 3] [--only cheap]`` (without ``--dist`` the build is made in a temporary directory
first). With ``--repeat N`` every workload is measured N times, ours and Oxigraph's
alternately, and the targets are judged on the medians of the N ratios: on a shared machine
one run's ratio moves by ±30 %.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from server.sparql.examples import load_examples  # noqa: E402

B = "https://data.pref.fukushima.lg.jp/dx/"
PREFIXES = (
    "PREFIX dx: <https://data.pref.fukushima.lg.jp/dx/ontology#> "
    "PREFIX schema: <http://schema.org/> "
)
CHEAP = PREFIXES + f"SELECT ?name WHERE {{ <{B}id/kpi/3> schema:name ?name }}"
ACCEPT = {"select": "application/sparql-results+json", "graph": "application/n-triples"}
TARGETS = {"cheap": (0.25, 2.0), "curated": (0.9, None), "curated*": (0.9, None)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(port: int, path: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path, headers={"Accept": "text/turtle"})
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answered on port {port}")


@contextmanager
def process(args: list[str], env: dict[str, str] | None = None) -> Iterator[None]:
    proc = subprocess.Popen(
        args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        yield
    finally:
        os.killpg(proc.pid, 15)  # gunicorn and its workers (and their query workers)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()


@contextmanager
def our_server(dist: Path) -> Iterator[tuple[int, str]]:
    port = free_port()
    env = {
        **os.environ,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DX_DIST_DIR": str(dist),
        "PYTHONPATH": str(ROOT),
    }
    with process([sys.executable, "-m", "server", "--workers", "2"], env):
        wait_until_up(port, "/sparql")
        yield port, "/sparql"


@contextmanager
def oxigraph_server(dist: Path) -> Iterator[tuple[int, str]]:
    oxigraph = Path(sys.executable).parent / "oxigraph"
    graphs = json.loads((dist / "manifest.json").read_text("utf-8"))["graphs"]
    with tempfile.TemporaryDirectory(prefix="bench-oxigraph-") as location:
        for iri, name in graphs.items():
            subprocess.run(
                [
                    str(oxigraph),
                    "load",
                    "--location",
                    location,
                    "--file",
                    str(dist / name),
                    "--graph",
                    iri,
                ],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        port = free_port()
        with process(
            [
                str(oxigraph),
                "serve",
                "--location",
                location,
                "--bind",
                f"127.0.0.1:{port}",
                "--union-default-graph",
            ]
        ):
            wait_until_up(port, "/query?query=ASK%7B%7D")
            yield port, "/query"


@dataclass
class Result:
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def drive(
    port: int,
    path: str,
    next_query: Callable[[], tuple[str, str]],
    *,
    clients: int,
    max_requests: int,
    seconds: float,
) -> Result:
    """``clients`` threads with keep-alive connections, until either bound is reached."""
    counter = itertools.count()
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        while next(counter) < max_requests and time.monotonic() < deadline:
            query, accept = next_query()
            url = f"{path}?query={urllib.parse.quote(query)}"
            start = time.perf_counter()
            try:
                conn.request("GET", url, headers={"Accept": accept})
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                conn.close()
                ok = False
            mine.append(time.perf_counter() - start)
            if not ok:
                with lock:
                    errors[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Result(len(latencies), errors[0], time.monotonic() - start, latencies)


def workloads() -> dict[str, Callable[[], Callable[[], tuple[str, str]]]]:
    examples = [
        (e.query, ACCEPT["graph" if "CONSTRUCT" in e.query else "select"]) for e in load_examples()
    ]
    shapes = [
        lambda n: (
            PREFIXES + f"SELECT ?p ?o WHERE {{ <{B}id/project/fy2023/{n % 52 + 1}> ?p ?o }}",
            ACCEPT["select"],
        ),
        lambda n: (
            PREFIXES + "SELECT ?kind ?year ?value WHERE { ?v dx:refKpi "
            f"<{B}id/kpi/{n % 19 + 1}> ; dx:valueKind ?kind ; dx:refPeriod ?year . "
            "OPTIONAL { ?v dx:value ?value } }",
            ACCEPT["select"],
        ),
        lambda n: (
            PREFIXES + "SELECT ?name ?dept WHERE { ?p dx:projectNumber "
            f"{n % 52 + 1} ; schema:name ?name ; dx:department ?dept . }}",
            ACCEPT["select"],
        ),
    ]

    def cheap() -> Callable[[], tuple[str, str]]:
        return lambda: (CHEAP, ACCEPT["select"])

    def curated() -> Callable[[], tuple[str, str]]:
        cycle = itertools.cycle(examples)
        lock = threading.Lock()

        def pick() -> tuple[str, str]:
            with lock:
                return next(cycle)

        return pick

    def curated_unique() -> Callable[[], tuple[str, str]]:
        pick, counter = curated(), itertools.count()

        def unique() -> tuple[str, str]:
            query, accept = pick()
            return f"{query}\n# {next(counter)}", accept  # every text new: the engine answers

        return unique

    def varied() -> Callable[[], tuple[str, str]]:
        counter = itertools.count()

        def pick() -> tuple[str, str]:
            n = next(counter)
            query, accept = shapes[n % len(shapes)](n // len(shapes))
            return f"{query} # {n}", accept  # unique text: no cache can answer

        return pick

    return {"cheap": cheap, "curated": curated, "curated*": curated_unique, "varied": varied}


def build(dist: Path | None) -> Path:
    if dist is not None:
        return dist
    from converter.build import build as build_dist

    out = Path(tempfile.mkdtemp(prefix="bench-dist-")) / "dist"
    build_dist(ROOT / "data" / "publication.toml", out)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, help="an existing build (default: build one)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=5.0, help="per workload and server")
    parser.add_argument("--requests", type=int, default=3000, help="per workload and server")
    parser.add_argument("--repeat", type=int, default=1, help="runs per workload (medians)")
    parser.add_argument("--only", action="append", help="run only this workload (repeatable)")
    args = parser.parse_args()
    dist = build(args.dist)
    chosen = {n: m for n, m in workloads().items() if not args.only or n in args.only}
    print(
        f"data: {dist}; {args.clients} clients; ≤{args.requests} requests or "
        f"≤{args.seconds:g} s per run; {args.repeat} run(s) per workload"
    )
    print(f"{'workload':9} {'server':9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}")
    failures = 0
    with our_server(dist) as ours, oxigraph_server(dist) as theirs:
        for name, make in chosen.items():
            runs = []
            for _ in range(max(1, args.repeat)):
                results = {}
                for label, (port, path) in (("ours", ours), ("oxigraph", theirs)):
                    # Warm up with as many connections as the run: with keep-alive each
                    # client sticks to one server process, and every process (ours start
                    # their query workers on first use) must be warm before we measure.
                    drive(port, path, make(), clients=args.clients, max_requests=200, seconds=2)
                    result = drive(
                        port,
                        path,
                        make(),
                        clients=args.clients,
                        max_requests=args.requests,
                        seconds=args.seconds,
                    )
                    results[label] = result
                    print(
                        f"{name:9} {label:9} {result.throughput:8.0f} "
                        f"{result.percentile(0.5):8.2f} {result.percentile(0.99):8.2f} "
                        f"{result.errors:6d}"
                    )
                runs.append((results["ours"], results["oxigraph"]))
            failures += report(name, runs)
    return 1 if failures else 0


def report(name: str, runs: list[tuple[Result, Result]]) -> int:
    """Print ours/Oxigraph ratios (medians over the runs); 1 if a target was missed."""
    throughput = statistics.median(o.throughput / t.throughput for o, t in runs)
    p50 = statistics.median(o.percentile(0.5) / t.percentile(0.5) for o, t in runs)
    p99 = statistics.median(o.percentile(0.99) / t.percentile(0.99) for o, t in runs)
    label = "ours/oxigraph" + (f", median of {len(runs)}" if len(runs) > 1 else "")
    line = f"  → {label}: throughput {throughput:.2f}×, p50 {p50:.2f}×, p99 {p99:.2f}×"
    if len(runs) > 1:
        each = ", ".join(f"{o.throughput / t.throughput:.2f}" for o, t in runs)
        line += f" (throughput runs: {each})"
    target = TARGETS.get(name)
    failed = any(o.errors > 0 for o, _ in runs)
    if target:
        min_throughput, max_p99 = target
        failed = failed or throughput < min_throughput or (max_p99 is not None and p99 > max_p99)
        goal = f"throughput ≥ {min_throughput}×" + (f", p99 ≤ {max_p99}×" if max_p99 else "")
        line += f"   target {goal}: {'FAIL' if failed else 'ok'}"
    print(line)
    latencies = [x for o, _ in runs for x in o.latencies]
    print(f"  (median {statistics.median(latencies) * 1000:.2f} ms over {len(latencies)} requests)")
    return int(failed)


if __name__ == "__main__":
    sys.exit(main())
