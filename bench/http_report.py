"""The printed result of bench/http_bench.py: one table of medians with each ratio beside its
target, the client verdict (is any figure near wrk's own ceiling?) and each server's memory."""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass

from bench import servers
from bench.servers import Server
from bench.workloads import Workload, target
from bench.wrk import WrkResult

P99_MS = 50.0  # target for repeated identical GETs (all but the join) at 20 connections
P99_AT = 20
CEILING_FACTOR = 3.0  # wrk's ceiling must be this far above a figure for it to count
RSS_MB = 150  # target per process of ours
DUMP_BYTES = 64 * 1024  # mean answer size above which the dump self-check bounds a figure

Key = tuple[str, int, str]  # workload, connections, server


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


@dataclass(frozen=True)
class Summary:
    """Medians of one server's runs of one workload at one connection count."""

    rps: float
    p50: float
    p99: float
    errors: int
    fewest: int  #: answers in the shortest run: too few and the percentiles mean little
    client: str  #: which self-check bounds the figure (see ``CLIENTS``)

    @classmethod
    def of(cls, runs: list[WrkResult], unique: bool) -> Summary:
        size = sum(r.bytes for r in runs) / max(1, sum(r.requests for r in runs))
        return cls(
            median([r.rps for r in runs]),
            median([r.p50_ms for r in runs]),
            median([r.p99_ms for r in runs]),
            sum(r.errors for r in runs),
            min((r.requests for r in runs), default=0),
            "unique" if unique else "dump" if size > DUMP_BYTES else "fixed",
        )

    def cells(self) -> str:
        return f"{self.rps:>9,.0f} {self.p50:>7.1f} {self.p99:>7.1f}"


def ratio(mine: list[WrkResult], theirs: list[WrkResult]) -> float:
    """Median of the per-round ratios (a round where the peer answered nothing: infinite)."""
    pairs = zip(mine, theirs, strict=True)
    return median([o.rps / t.rps if t.rps else float("inf") for o, t in pairs])


def report(
    chosen: list[Workload],
    connections: list[int],
    running: dict[str, Server],
    results: dict[Key, list[WrkResult]],
    notes: dict[tuple[str, str], str],
    ceiling: dict[tuple[int, str], float],
) -> bool:
    """Print the table and the client verdict; True if a target was missed."""
    print()
    print(
        f"{'workload':10} {'conn':>4} {'peer':8} | {'ours r/s':>9} {'p50 ms':>7} {'p99 ms':>7} | "
        f"{'peer r/s':>9} {'p50 ms':>7} {'p99 ms':>7} | {'ours/peer':>9} {'target':>7} "
        f"{'met':4} | p99≤{P99_MS:g}ms@{P99_AT}"
    )
    failed = False
    figures: list[tuple[float, str, int, str]] = []  # req/s, label, connections, client
    for w, conns in itertools.product(chosen, connections):
        lead = f"{w.name:10} {conns:>4}"
        if (w.name, "ours") in notes:
            print(f"{lead} {'-':8} | ours: {notes[w.name, 'ours']}")
            continue
        mine_runs = results.get((w.name, conns, "ours"), [])
        if not mine_runs:
            continue
        mine = Summary.of(mine_runs, w.unique)
        figures.append((mine.rps, f"{w.name} c={conns} ours", conns, mine.client))
        p99_met = "-"
        if conns == P99_AT and not w.unique:  # a repeated identical GET: cacheable
            p99_met = "ok" if mine.p99 <= P99_MS else "MISS"
            failed |= p99_met == "MISS"
        for peer in (p for p in w.peers if p in running):
            if (w.name, peer) in notes:
                print(f"{lead} {peer:8} | {mine.cells()} | not measured: {notes[w.name, peer]}")
                continue
            their_runs = results.get((w.name, conns, peer), [])
            theirs = Summary.of(their_runs, w.unique)
            figures.append((theirs.rps, f"{w.name} c={conns} {peer}", conns, theirs.client))
            times = ratio(mine_runs, their_runs)
            goal = target(w.name, peer)
            met = "-" if goal is None else ("ok" if times >= goal else "MISS")
            errors = mine.errors + theirs.errors
            failed |= met == "MISS" or errors > 0
            warn = [f"errors (status ≥400 or socket): {errors}"] if errors else []
            few = min(mine.fewest, theirs.fewest)
            if few < 2 * conns:  # under two answers per connection in a run
                warn.append(f"only {few} answers in a run: use more --seconds")
            print(
                f"{lead} {peer:8} | {mine.cells()} | {theirs.cells()} | {times:>8.2f}x "
                f"{f'≥{goal:g}x' if goal else '-':>7} {met:4} | {p99_met}"
                + "".join(f"   {x}" for x in warn)
            )
    print("(req/s and ms: medians over the rounds; ours/peer: median of the per-round ratios)")
    verdict(figures, ceiling)
    return failed


def verdict(
    figures: list[tuple[float, str, int, str]], ceiling: dict[tuple[int, str], float]
) -> None:
    if not ceiling:
        print("client ceiling unknown (no self-check): every figure may be client-bound")
        return
    bound = [
        f"{label} ({rps:,.0f} req/s vs ceiling {ceiling[conns, client]:,.0f})"
        for rps, label, conns, client in figures
        if (conns, client) in ceiling and ceiling[conns, client] < CEILING_FACTOR * rps
    ]
    top = max(figures, default=(0.0, "none", 0, "fixed"))
    if bound:
        print(
            f"CLIENT-BOUND RUN: wrk's ceiling is under {CEILING_FACTOR:g}x these figures, so "
            "they may measure the client (a peer's: its ratio overstates ours):"
        )
        for line in bound:
            print(f"  - {line}")
    else:
        print(
            f"client ok: every ceiling ≥ {CEILING_FACTOR:g}x the figures it bounds "
            f"(highest figure: {top[1]}, {top[0]:,.0f} req/s)"
        )


def rss(server: Server) -> bool:
    """Print a server's memory after the run; True if one of our processes is over target."""
    total, pss, count, largest = servers.tree_rss(server.pid)
    judged = server.name == "ours"
    over = judged and largest / 1024 > RSS_MB
    verdict = f"target ≤ {RSS_MB} MB per process: {'MISS' if over else 'ok'}" if judged else "peer"
    print(
        f"RSS {server.name:8}: {total / 1024:6.1f} MB summed over {count} process(es) "
        f"(PSS {pss / 1024:6.1f} MB), largest process {largest / 1024:6.1f} MB; {verdict}"
    )
    return over
