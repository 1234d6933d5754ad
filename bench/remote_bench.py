"""Remote-store benchmark (issue 25): our server over a remote SPARQL store against itself
over its embedded store, side by side in one run, driven by wrk (bench/wrk.py).

The workload is what readers ask for: every HTML page of the build in Japanese (every KPI,
every project of the build, the landing page, the lists and the dashboard), each connection
sending them in turn. Three configurations of ``python -m server`` (its defaults) run at
once on 127.0.0.1: the embedded store over the build, and remote over ``oxigraph serve`` and
over Virtuoso 7 (skipped when it is not installed), each store filled by
``converter.publish`` (bench/remote_stores.py).

Warm: each server first gets every page once (that pass is reported as the cold case after
a start), then 20 more such passes and 1 s of the mix, so that every server process has
rendered every page; then the rounds alternate the configurations, and each remote figure
is compared with the embedded one of its own round. Cold: after the warm rounds, each
remote store is published a build with a new digest (the server drops what it rendered
before); once the server serves it, every page is asked for once, all at the same time,
and timed. Cold figures are reported apart from the warm ones.

Usage: python -m bench.remote_bench [--seconds 15] [--rounds 2] [--dist DIR] [--threads 2]
[--no-virtuoso]
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NoReturn

from bench import http_bench, remote_report, remote_stores, servers, wrk
from bench.remote_report import EMBEDDED, Pass, Sample
from bench.remote_stores import FilledStore
from bench.servers import Server
from bench.site_pages import describe, mix, one_pass, page_paths, resources
from bench.wrk import Request
from converter.contract import Manifest

CONNECTIONS = 100
WRK_TIMEOUT = 2.0  #: seconds without an answer that wrk counts as a timeout
WARM_UP_SECONDS = 1
#: Passes of every page on new connections after the first: a process that none of them
#: reached for a page is left with odds of 2**-20 (connections land on either process).
WARM_UP_PASSES = 20
#: A request outside the mix whose ETag tells which digest a server process serves.
DIGEST_PROBE = "/sparql?query=ASK%7B%7D"
#: Answers in a row (each on a new connection, so from either server process) that must
#: carry the new digest before the cold pass: a process that has not read the register
#: again would serve the old pages from its cache.
SWITCHED_STREAK = 20
SWITCH_TIMEOUT = 60.0


def probe_etag(port: int) -> str | None:
    reply = servers.get(port, DIGEST_PROBE, {"Accept": "application/sparql-results+json"})
    return reply.headers.get("ETag")


def wait_for_switch(port: int, before: str | None) -> float:
    """Seconds until the server serves another digest than ``before`` (its ETag of
    :data:`DIGEST_PROBE`) in :data:`SWITCHED_STREAK` answers in a row.

    :raises RuntimeError: not within :data:`SWITCH_TIMEOUT` seconds.
    """
    started, streak = time.monotonic(), 0
    while streak < SWITCHED_STREAK:
        if time.monotonic() - started > SWITCH_TIMEOUT:
            raise RuntimeError(f"the server on port {port} still serves the old digest")
        streak = streak + 1 if probe_etag(port) != before else 0
        if streak == 0:
            time.sleep(0.05)
    return time.monotonic() - started


@dataclass(frozen=True)
class Config:
    """Our server over one store."""

    server: Server
    store: FilledStore | None = None  #: None: the embedded store

    @property
    def name(self) -> str:
        return self.server.name

    def settle(self) -> None:
        """Let the server (and its store) finish what they had queued before the next run."""
        servers.settle(self.server.pid)
        if self.store is not None:
            servers.settle(self.store.pid)


def measure(config: Config, requests: list[Request], seconds: int, threads: int) -> wrk.WrkResult:
    """One wrk run of the mix; every answer's status tallied (3xx too, which wrk's own count
    leaves out)."""
    result = wrk.run(
        config.server.port,
        requests,
        connections=CONNECTIONS,
        seconds=seconds,
        threads=threads,
        markers=(),
        timeout=WRK_TIMEOUT,
    )
    config.settle()
    return result


@contextmanager
def _serving(dist: Path, store: FilledStore | None) -> Iterator[Config]:
    env = {} if store is None else {"DX_STORE_URL": store.query_url}
    with servers.ours(dist, env) as server:
        yield Config(replace(server, name=EMBEDDED if store is None else store.name), store)


def start(stack: ExitStack, dist: Path, workdir: Path, no_virtuoso: bool) -> list[Config]:
    """Our server over each store; the stores filled by a publish of ``dist``."""
    filled = []
    for name, begin in (("oxigraph", remote_stores.oxigraph), ("virtuoso", remote_stores.virtuoso)):
        why = "--no-virtuoso" if no_virtuoso else remote_stores.virtuoso_missing()
        if name == "virtuoso" and why:
            print(f"virtuoso: skipped ({why})", flush=True)
            continue
        started = time.monotonic()
        filled.append(stack.enter_context(begin(dist, workdir)))
        print(f"{name}: started and published in {time.monotonic() - started:.1f} s", flush=True)
    return [stack.enter_context(_serving(dist, s)) for s in (None, *filled)]


def first_passes(configs: list[Config], paths: list[str]) -> list[Pass]:
    """Each server's first pass after its start, which also checks every page is HTML."""
    passes = [one_pass(c.server.port, paths, c.name, "after start") for c in configs]
    for one in passes:
        print(f"  {remote_report.pass_line(one)}", flush=True)
    return passes


def warm_up(configs: list[Config], paths: list[str], requests: list[Request], threads: int) -> None:
    """Every server process renders every page: its response cache is its own, and granian
    does not share connections evenly (1 s of wrk alone left a process that had not
    rendered some page, whose readers then waited for its render in the measured run)."""
    for config in configs:
        for _ in range(WARM_UP_PASSES):
            one_pass(config.server.port, paths, config.name, "warm-up")
        measure(config, requests, WARM_UP_SECONDS, threads)
    print(
        f"warm-up: every page once (the pass above), then {WARM_UP_PASSES} more such passes "
        f"(a new connection per page, so either server process answers it), then "
        f"{WARM_UP_SECONDS} s of the mix at {CONNECTIONS} connections",
        flush=True,
    )


def rounds(
    configs: list[Config], requests: list[Request], args: argparse.Namespace
) -> list[Sample]:
    samples: list[Sample] = []
    for round_ in range(1, args.rounds + 1):
        for config in configs:
            store = config.store.pid if config.store is not None else None
            before = servers.cpu_seconds(store) if store is not None else 0.0
            result = measure(config, requests, args.seconds, args.threads)
            busy = servers.cpu_seconds(store) - before if store is not None else None
            samples.append(Sample(config.name, round_, result, busy))
            print(f"  {remote_report.sample_line(samples, samples[-1])}", flush=True)
    return samples


def cold_after_publish(
    configs: list[Config], dist: Path, workdir: Path, paths: list[str], count: int
) -> list[Pass]:
    """Per round and remote store: publish a build with a new digest, wait until the server
    serves it, then time the first pass."""
    passes = []
    for round_ in range(1, count + 1):
        for config in configs:
            if config.store is None:
                continue
            build = workdir / f"dist-{config.name}-{round_}"
            remote_stores.new_digest_build(dist, build, f"{config.name} {round_}")
            before = probe_etag(config.server.port)
            config.store.publish(build)
            waited = wait_for_switch(config.server.port, before)
            config.settle()
            passes.append(
                one_pass(config.server.port, paths, config.name, f"after publish {round_}")
            )
            line = remote_report.pass_line(passes[-1])
            print(f"  {line} (new digest served {waited:.1f} s after the publish)", flush=True)
    return passes


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=15, help="per wrk run (whole seconds)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of warm runs")
    parser.add_argument("--dist", type=Path, help="an existing build (default: build one)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2 cores here)")
    parser.add_argument("--no-virtuoso", action="store_true", help="skip Virtuoso")
    return parser


def _stop(signum: int, frame: object) -> NoReturn:
    raise SystemExit(128 + signum)  # unwinds every `with`: each server is stopped


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if http_bench.wrk_missing():
        return 2
    args.seconds, args.rounds = max(1, args.seconds), max(1, args.rounds)
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        samples, passes = run(args)
    finally:
        signal.signal(signal.SIGTERM, previous)
    print(f"load average after: {http_bench.load()}")
    return report(samples, passes)


def run(args: argparse.Namespace) -> tuple[list[Sample], list[Pass]]:
    """Start everything, measure, stop everything; the warm samples and the cold passes."""
    with ExitStack() as stack:
        dist = args.dist or http_bench.build(stack)
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-remote-")))
        paths = page_paths(resources(dist), Manifest.read(dist).base_iri)
        requests = mix(paths)
        print("remote-store benchmark (issue 25): python -m server over each store, side by side")
        print(f"data: {dist}; mix: {describe(paths)}; Accept: text/html, Accept-Language: ja")
        print(
            f"wrk: {CONNECTIONS} connections, {args.threads} threads, {args.seconds} s per run, "
            f"timeout {WRK_TIMEOUT:g} s; rounds: {args.rounds}; load average {http_bench.load()}",
            flush=True,
        )
        configs = start(stack, dist, workdir, args.no_virtuoso)
        print("cold, first pass after the server started (every page once, all at once):")
        passes = first_passes(configs, paths)
        warm_up(configs, paths, requests, args.threads)
        print(f"warm (pages already seen), {args.seconds} s per run:", flush=True)
        samples = rounds(configs, requests, args)
        print("cold, first pass after a publish of a new digest:", flush=True)
        passes += cold_after_publish(configs, dist, workdir, paths, args.rounds)
    return samples, passes


def report(samples: list[Sample], passes: list[Pass]) -> int:
    """The verdicts and the markdown tables; 1 when a remote store misses a target."""
    print()
    print(remote_report.targets_line())
    verdicts = [remote_report.verdict(samples, s) for s in remote_report.stores(samples)]
    remote = [v for v in verdicts if v.store != EMBEDDED]
    for v in remote:
        print(f"  {v.line()}")
    print()
    print(remote_report.markdown(samples, passes))
    return 0 if all(v.met for v in remote) else 1


if __name__ == "__main__":
    sys.exit(main())
