"""HTTP benchmark: our server against its peers, side by side, driven by wrk.

Issue 10: the old client (Python threads over http.client) saturated before `oxigraph serve`
did, so "0.46x Oxigraph" measured the client. Here the client is wrk (bench/wrk.py), and its
ceiling is measured first against nginx serving static files with the same settings (a tiny
file, the same with a path built in Lua per request, and a copy of the dump); a figure above
a third of the matching ceiling is flagged as client-bound at the end.

Every server runs on 127.0.0.1 on a free port over the same build (bench/servers.py): ours,
`oxigraph serve` (SPARQL peer), Trifid 5.3 over that oxigraph (page peer) and Flask's hello
world under our granian command line (the ceiling of the stack for every GET). Each workload
runs N times (--repeat) per connection count, ours and its peers alternately (the order flips
each round, so a drift of the busy machine hits both sides), after a warm-up run each. The
table shows medians; the ratio is the median of the per-round ratios.

Usage: python -m bench.http_bench [--seconds 5] [--repeat 3] [--connections 20,100]
[--only cheap,kpi] [--no-trifid] [--dist DIR] [--threads 2]
"""

from __future__ import annotations

import argparse
import itertools
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from bench import servers, wrk
from bench.http_report import Key, report, rss
from bench.servers import BASE_IRI, Server
from bench.workloads import HTML, KPI, WORKLOADS, Workload
from bench.wrk import Request, WrkResult

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Bench:
    seconds: int
    threads: int
    nonces: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def run(self, server: Server, request: Request, connections: int, seconds: int) -> WrkResult:
        # 10^8 apart: no run sends that many requests, so every unique text stays unique
        nonce = next(self.nonces) * 10**8
        result = wrk.run(
            server.port,
            request,
            connections=connections,
            seconds=seconds,
            threads=self.threads,
            nonce=nonce,
        )
        servers.settle(server.pid)  # let it finish what it had queued before the next run
        return result


def check(server: Server, request: Request, want: int) -> str | None:
    """One request by hand before measuring: why the pair cannot be measured, or None.
    wrk counts only statuses >= 400 as errors, and a 3xx or a page of the wrong type from a
    peer would make a fast, meaningless figure."""
    path = request.path + ("0" + request.suffix if request.suffix is not None else "")
    reply = servers.get(server.port, path, dict(request.headers))
    if reply.status != want:
        return f"{server.name} answered {reply.status}, not {want}"
    kind, accept = reply.headers.get("Content-Type", ""), request.headers.get("Accept", "")
    if want == 200 and "html" in accept and "html" not in kind:
        return f"{server.name} answered {kind or 'no Content-Type'} for text/html"
    return None


CLIENTS = {  # self-check request per kind of workload, against nginx
    "fixed": Request("/hello.txt"),
    "unique": Request("/hello.txt?n=", suffix=""),  # built in Lua for each request
    "dump": Request("/dump"),  # a copy of the dump: wrk reading large bodies
}


def self_check(bench: Bench, connections: list[int], dist: Path) -> dict[tuple[int, str], float]:
    """wrk's ceiling here: req/s against nginx with the same wrk settings, per connection
    count and kind of request (see ``CLIENTS``)."""
    ceiling: dict[tuple[int, str], float] = {}
    if servers.nginx_binary() is None:
        print("self-check: nginx is not installed (scripts/install-bench-deps.sh); skipped")
        return ceiling
    with servers.nginx(dump=dist / "download" / "dx-kpi.ttl") as nginx:
        for conns, (kind, request) in itertools.product(connections, CLIENTS.items()):
            bench.run(nginx, request, conns, 1)
            result = bench.run(nginx, request, conns, bench.seconds)
            ceiling[conns, kind] = result.rps
            print(
                f"self-check: wrk -t{min(bench.threads, conns)} -c{conns} against nginx, "
                f"{kind} ({request.path}): {result.rps:,.0f} req/s, p99 {result.p99_ms:.2f} ms",
                flush=True,
            )
    return ceiling


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def run_parser(doc: str) -> argparse.ArgumentParser:
    """The options every wrk-driven benchmark here takes (its own ones are added after)."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=5, help="per wrk run (whole seconds)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds per workload (medians)")
    parser.add_argument("--connections", default="20,100", help="comma-separated")
    parser.add_argument("--only", action="append", help="workload(s), comma-separated")
    parser.add_argument("--dist", type=Path, help="an existing build (default: build one)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2 cores here)")
    return parser


def wrk_missing() -> bool:
    """True (and says so) when wrk is not installed."""
    if wrk.available() is None:
        print("wrk is not installed: run scripts/install-bench-deps.sh", file=sys.stderr)
        return True
    return False


def main(argv: list[str] | None = None) -> int:
    parser = run_parser(__doc__)
    parser.add_argument("--no-trifid", action="store_true", help="skip the Trifid peer")
    args = parser.parse_args(argv)
    if wrk_missing():
        return 2
    only = {n for part in args.only or [] for n in part.split(",") if n}
    unknown = only - {w.name for w in WORKLOADS}
    if unknown:
        parser.error(f"unknown workload(s): {', '.join(sorted(unknown))}")
    chosen = [w for w in WORKLOADS if not only or w.name in only]
    connections = [int(c) for c in args.connections.split(",") if c]
    bench = Bench(max(1, args.seconds), max(1, args.threads))
    with ExitStack() as stack:
        dist = args.dist or build(stack)
        print(
            f"data: {dist}; wrk {args.seconds} s per run, {args.repeat} round(s), "
            f"connections {connections}; 2 cores shared by client and servers",
            flush=True,
        )
        print(f"load average before: {load()}", flush=True)
        ceiling = self_check(bench, connections, dist)
        running = start(stack, dist, {p for w in chosen for p in w.peers}, args.no_trifid)
        results, notes = measure(bench, chosen, connections, running, args.repeat)
        failed = report(chosen, connections, running, results, notes, ceiling)
        print(f"load average after: {load()} (other work on the machine moves every figure)")
        print()
        for server in running.values():
            failed |= rss(server)
    return 1 if failed else 0


def build(stack: ExitStack) -> Path:
    out = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-dist-"))) / "dist"
    cmd = [sys.executable, "-m", "converter", "build", "--out", str(out)]
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return out


def start(stack: ExitStack, dist: Path, peers: set[str], no_trifid: bool) -> dict[str, Server]:
    running = {"ours": stack.enter_context(servers.ours(dist))}
    why = "--no-trifid" if no_trifid else servers.trifid_missing()
    if "trifid" in peers and why:
        print(f"Trifid skipped: {why}")
        peers.discard("trifid")
    if peers & {"oxigraph", "trifid"}:
        running["oxigraph"] = stack.enter_context(servers.oxigraph(dist))
    if "trifid" in peers:
        version = servers.trifid_version()
        note = "" if version.startswith("5.3.") else " (5.3.x wanted: the closest installed)"
        print(f"Trifid {version}{note} over oxigraph serve, dataset base {BASE_IRI}")
        running["trifid"] = stack.enter_context(servers.trifid(running["oxigraph"]))
    if "hello" in peers:
        running["hello"] = stack.enter_context(servers.hello())
    return running


def measure(
    bench: Bench,
    chosen: list[Workload],
    connections: list[int],
    running: dict[str, Server],
    repeat: int,
) -> tuple[dict[Key, list[WrkResult]], dict[tuple[str, str], str]]:
    results: dict[Key, list[WrkResult]] = {}
    notes: dict[tuple[str, str], str] = {}  # (workload, server) -> why it was not measured
    ours = running["ours"]
    for w in chosen:
        etag = servers.get(ours.port, KPI, HTML).headers.get("ETag") if w.revalidate else None
        if w.revalidate and not etag:
            notes[w.name, "ours"] = "no ETag"
            continue
        side = [s for s in running.values() if s.name == "ours" or s.name in w.peers]
        for server in side:
            want = 304 if w.revalidate and server is ours else 200
            why = check(server, w.request(server, etag), want)
            if why:
                notes[w.name, server.name] = why
        side = [s for s in side if (w.name, s.name) not in notes]
        if ours not in side:
            continue
        for conns in connections:
            for server in side:  # warm-up: every worker process of every server
                bench.run(server, w.request(server, etag), conns, 1)
            for round_ in range(repeat):
                for server in side if round_ % 2 == 0 else side[::-1]:
                    result = bench.run(server, w.request(server, etag), conns, bench.seconds)
                    results.setdefault((w.name, conns, server.name), []).append(result)
                    print(
                        f"  {w.name} c={conns} {server.name} #{round_ + 1}: "
                        f"{result.rps:,.0f} req/s, p50 {result.p50_ms:.1f} ms, "
                        f"p99 {result.p99_ms:.1f} ms, errors {result.errors}, "
                        f"{result.bytes / max(1, result.requests):,.0f} B per answer",
                        file=sys.stderr,
                        flush=True,
                    )
    return results, notes


if __name__ == "__main__":
    sys.exit(main())
