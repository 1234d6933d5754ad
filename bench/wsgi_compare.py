"""Which WSGI server (issue 10): gunicorn gthread, granian (WSGI) and waitress side by side,
each serving our app and the Flask hello world with the same processes and threads.

Throughput: the landing page /, /id/kpi/2 (HTML), /id/kpi/2.ttl, the cheap SPARQL query
(ours) and the hello world, at each connection count, for each server, driven by wrk
(bench/wrk.py). Each workload runs N times (--repeat) per connection count, the servers in
turn, the order rotated each round (a drift of the busy machine hits every server alike),
after a warm-up run each; the table shows medians and, per server, the median of the
per-round ratios to the first server (granian, what ``python -m server`` runs since this
comparison chose it).

Robustness (bench/robustness.py), against a fresh server of each kind running our app with
DX_SPARQL_MAX_BODY_BYTES=1024: the 413 keep-alive check (issue 9; 2 MB bodies, which the app
drains, and 5 MiB ones, which it refuses with ``Connection: close``), a slowloris (slow
headers while wrk measures the landing page: req/s during the attack against without), and
whether the server is still up, with the same processes, after both.

How each server runs (bench/servers.py): granian exactly as ``python -m server`` runs it
(WSGI, WEB_CONCURRENCY processes of DX_THREADS blocking threads, HTTP/1.1); gunicorn
gthread with as many processes and threads; waitress in one process with as many threads
in all (it has no worker processes). Each runs the app as ``python -m server`` does, with
its access log (server/wsgi/access_log.py; the logs go to /dev/null).

Usage: python -m bench.wsgi_compare [--seconds 5] [--repeat 3] [--connections 20,100]
[--servers granian,gunicorn,waitress] [--only landing,kpi,ttl,cheap,hello]
[--no-throughput] [--no-robustness] [--dist DIR] [--threads 2]
"""

from __future__ import annotations

import itertools
import sys
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

from bench import robustness, servers
from bench.http_bench import Bench, build, check, load, run_parser, self_check, wrk_missing
from bench.http_report import Key, Summary, ratio, rss, verdict
from bench.servers import WSGI_KINDS, Server, WsgiKind
from bench.workloads import HTML, WORKLOADS, Workload
from bench.wrk import Request, WrkResult

ROOT = Path(__file__).resolve().parents[1]
HELLO = Workload("hello", (), lambda _server, _etag: Request("/", HTML))
COMPARED = [
    *(w for name in ("landing", "kpi", "ttl", "cheap") for w in WORKLOADS if w.name == name)
]
COMPARED.append(HELLO)


def target(w: Workload, apps: dict[str, Server], hellos: dict[str, Server], kind: str) -> Server:
    """The server of ``kind`` that workload ``w`` runs against: the hello world or ours."""
    return hellos[kind] if w is HELLO else apps[kind]


def measure(
    bench: Bench,
    chosen: list[Workload],
    connections: list[int],
    apps: dict[str, Server],
    hellos: dict[str, Server],
    repeat: int,
) -> tuple[dict[Key, list[WrkResult]], dict[tuple[str, str], str]]:
    results: dict[Key, list[WrkResult]] = {}
    notes: dict[tuple[str, str], str] = {}  # (workload, server) -> why it was not measured
    kinds = list(apps)
    for w in chosen:
        for kind in kinds:
            server = target(w, apps, hellos, kind)
            why = check(server, w.request(server, None), 200)
            if why:
                notes[w.name, kind] = why
        side = [k for k in kinds if (w.name, k) not in notes]
        for conns in connections:
            for kind in side:  # warm-up: every worker process of every server
                server = target(w, apps, hellos, kind)
                bench.run(server, w.request(server, None), conns, 1)
            for round_ in range(repeat):
                shift = round_ % max(1, len(side))
                for kind in side[shift:] + side[:shift]:
                    server = target(w, apps, hellos, kind)
                    result = bench.run(server, w.request(server, None), conns, bench.seconds)
                    results.setdefault((w.name, conns, kind), []).append(result)
                    print(
                        f"  {w.name} c={conns} {kind} #{round_ + 1}: {result.rps:,.0f} req/s, "
                        f"p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, "
                        f"errors {result.errors}",
                        file=sys.stderr,
                        flush=True,
                    )
    return results, notes


def report(
    chosen: list[Workload],
    connections: list[int],
    kinds: list[str],
    results: dict[Key, list[WrkResult]],
    notes: dict[tuple[str, str], str],
    ceiling: dict[tuple[int, str], float],
) -> None:
    base, others = kinds[0], kinds[1:]
    print()
    head = f"{'workload':8} {'conn':>4} | " + " | ".join(
        f"{k + ' r/s':>14} {'p50 ms':>7} {'p99 ms':>7}" for k in kinds
    )
    print(head + "".join(f" | {k + '/' + base:>17}" for k in others))
    figures: list[tuple[float, str, int, str]] = []
    for w, conns in itertools.product(chosen, connections):
        cells, warn = [], []
        for kind in kinds:
            runs = results.get((w.name, conns, kind), [])
            if (w.name, kind) in notes or not runs:
                cells.append(f"{'-':>14} {'-':>7} {'-':>7}")
                warn.append(f"{kind}: {notes.get((w.name, kind), 'not measured')}")
                continue
            summary = Summary.of(runs, w.unique)
            cells.append(f"{summary.rps:>14,.0f} {summary.p50:>7.1f} {summary.p99:>7.1f}")
            figures.append((summary.rps, f"{w.name} c={conns} {kind}", conns, summary.client))
            if summary.errors:
                warn.append(f"{kind}: {summary.errors} errors (status ≥400 or socket)")
            if summary.fewest < 2 * conns:
                warn.append(f"{kind}: only {summary.fewest} answers in a run")
        ratios = []
        for kind in others:
            mine, theirs = results.get((w.name, conns, kind)), results.get((w.name, conns, base))
            ratios.append(f"{ratio(mine, theirs):>16.2f}x" if mine and theirs else f"{'-':>17}")
        print(
            f"{w.name:8} {conns:>4} | "
            + " | ".join(cells)
            + "".join(f" | {r}" for r in ratios)
            + "".join(f"   {x}" for x in warn)
        )
    print(f"(req/s and ms: medians over the rounds; x/{base}: median of the per-round ratios)")
    verdict(figures, ceiling)


def robust(kinds: list[WsgiKind], dist: Path, seconds: int, connections: int, threads: int) -> None:
    """The reliability checks against a fresh server of each kind, one at a time."""
    env = {"DX_SPARQL_MAX_BODY_BYTES": str(robustness.MAX_BODY)}
    rows: list[tuple[str, robustness.KeepAlive, robustness.SlowClients, robustness.Health]] = []
    closes: list[tuple[str, robustness.KeepAlive]] = []
    for kind in kinds:
        with servers.wsgi(kind, "ours", dist, env) as server:
            before = servers.tree_pids(server.pid)
            keep = robustness.keepalive_413(server)
            print(f"  413 keep-alive {kind}: {keep.cells()}", file=sys.stderr, flush=True)
            # too big to drain: the app asks for ``Connection: close`` (server/sparql/protocol.py)
            close = robustness.keepalive_413(server, rounds=5, size=robustness.UNDRAINED)
            closes.append((kind, close))
            slow = robustness.slow_clients(
                server, seconds=seconds, connections=connections, threads=threads
            )
            print(
                f"  slow clients {kind}: {slow.baseline.rps:,.0f} -> {slow.attacked.rps:,.0f} "
                f"req/s, attackers {slow.attack}",
                file=sys.stderr,
                flush=True,
            )
            health = robustness.still_up(server, before)
            rows.append((kind, keep, slow, health))
    if not rows:
        return
    slow0 = rows[0][2]
    print()
    print(
        f"robustness: our app, DX_SPARQL_MAX_BODY_BYTES={robustness.MAX_BODY}; slow clients: "
        f"{slow0.attack.clients} connections sending headers one byte per "
        f"{slow0.byte_every * 1000:.0f} ms for {slow0.attack_seconds:g} s while wrk "
        f"-c{connections} measures / for {seconds} s (without the attack, then with it)"
    )
    print(
        f"{'server':9} | {'413 keep-alive, 10 x (2 MB POST + ASK) on one session':62} | "
        f"{'r/s alone':>9} {'attacked':>9} {'ratio':>6} {'p99 ms':>8} {'wrk err':>7} "
        f"{'slow: answered/dropped':>22} | up after"
    )
    for name, keep, slow, health in rows:
        attackers = f"{slow.attack.answered}/{slow.attack.dropped} of {slow.attack.connected}"
        up = "yes" if health.up else f"NO ({health.detail})"
        procs = f"{health.lost} of its {health.before} processes lost"
        print(
            f"{name:9} | {keep.cells():62} | {slow.baseline.rps:>9,.0f} "
            f"{slow.attacked.rps:>9,.0f} {slow.ratio:>5.2f}x {slow.attacked.p99_ms:>8.1f} "
            f"{slow.attacked.errors:>7} {attackers:>22} | {up}, {procs}"
        )
        if keep.first_error:
            print(f"{'':9}   first 413 failure: {keep.first_error}")
    print(
        "(ratio: attacked/alone req/s; p99 and wrk errors: during the attack; answered: "
        "slow clients that got an answer once their request was complete)"
    )
    print(
        f"413 with a body too big to drain ({robustness.UNDRAINED / 2**20:g} MiB, the app "
        "answers `Connection: close`), 5 rounds on one session:"
    )
    for name, close in closes:
        print(f"{name:9} | {close.cells()}" + (f"   {close.first_error}" if close.ok < 5 else ""))


def main(argv: list[str] | None = None) -> int:
    parser = run_parser(__doc__)
    parser.add_argument("--servers", default=",".join(WSGI_KINDS), help="comma-separated")
    parser.add_argument("--no-throughput", action="store_true", help="robustness only")
    parser.add_argument("--no-robustness", action="store_true", help="throughput only")
    args = parser.parse_args(argv)
    if wrk_missing():
        return 2
    wanted = [k for k in args.servers.split(",") if k]
    unknown = set(wanted) - set(WSGI_KINDS)
    if unknown:
        parser.error(f"unknown server(s): {', '.join(sorted(unknown))}")
    kinds: list[WsgiKind] = []
    for kind in (k for k in WSGI_KINDS if k in wanted):  # granian first: the ratios' base
        why = servers.wsgi_missing(kind)
        if why:
            print(f"{kind} skipped: {why}")
        else:
            kinds.append(kind)
    only = {n for part in args.only or [] for n in part.split(",") if n}
    if only - {w.name for w in COMPARED}:
        parser.error(f"unknown workload(s): {', '.join(sorted(only - {w.name for w in COMPARED}))}")
    chosen = [w for w in COMPARED if not only or w.name in only]
    connections = [int(c) for c in args.connections.split(",") if c]
    bench = Bench(max(1, args.seconds), max(1, args.threads))
    if not kinds:
        print("no WSGI server to compare", file=sys.stderr)
        return 2
    with ExitStack() as stack:
        dist = args.dist or build(stack)
        print(
            f"data: {dist}; servers {kinds}; wrk {args.seconds} s per run, {args.repeat} "
            f"round(s), connections {connections}; 2 cores shared by client and servers",
            flush=True,
        )
        print(f"load average before: {load()}", flush=True)
        if not args.no_throughput:
            ceiling = self_check(bench, connections, dist)
            with ExitStack() as running:
                apps: dict[str, Server] = {
                    k: running.enter_context(servers.wsgi(k, "ours", dist)) for k in kinds
                }
                hellos: dict[str, Server] = {}
                if any(w is HELLO for w in chosen):
                    for k in kinds:
                        server = running.enter_context(servers.wsgi(k, "hello"))
                        hellos[k] = replace(server, name=f"{k} (hello)")
                results, notes = measure(bench, chosen, connections, apps, hellos, args.repeat)
                report(chosen, connections, list(apps), results, notes, ceiling)
                print()
                for server in [*apps.values(), *hellos.values()]:
                    rss(server)
        if not args.no_robustness:
            robust(kinds, dist, seconds=3, connections=min(connections), threads=bench.threads)
        print(f"load average after: {load()} (other work on the machine moves every figure)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
