"""What bench/remote_bench.py prints: a line per measurement, the verdicts against the
targets of issue 25 and the markdown tables the README quotes. Pure functions of the figures
(tests/bench/test_remote_bench.py runs them without servers)."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bench.wrk import WrkResult

EMBEDDED = "embedded"
#: The targets of a remote store, each against the embedded store in the same round.
MIN_RATIO = 0.5  #: req/s at least this times the embedded store's
MAX_TIMEOUTS = 0
MAX_P99_MS = 100.0


@dataclass(frozen=True)
class Sample:
    """One wrk run of the mix against one configuration."""

    store: str  #: "embedded", or the remote store's name
    round: int  #: 1, 2, …
    result: WrkResult
    #: CPU seconds the remote store used during the run (and its settling): near 0 when
    #: the pages come from the server's response cache. None: the embedded store.
    store_cpu_s: float | None = None

    @property
    def non_2xx(self) -> int:
        """Answers outside 2xx: from the run's tally when it kept one, else wrk's own count
        (statuses of 400 and above only)."""
        if self.result.tally:
            return sum(n for a, n in self.result.tally.items() if not 200 <= a.status < 300)
        return self.result.bad_status


@dataclass(frozen=True)
class Pass:
    """Every URL of the mix requested once, all at the same time (the cold case)."""

    store: str
    what: str  #: "after start", "after publish 1", …
    seconds: float  #: from the first request sent to the last answer read
    latencies_ms: tuple[float, ...]
    statuses: tuple[int, ...]
    not_html: int = 0  #: 200 answers with another Content-Type than text/html

    @property
    def non_2xx(self) -> int:
        return sum(1 for s in self.statuses if not 200 <= s < 300)

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else 0.0

    @property
    def max_ms(self) -> float:
        return max(self.latencies_ms, default=0.0)


def ratio(samples: Sequence[Sample], sample: Sample) -> float | None:
    """``sample``'s req/s over the embedded store's in the same round (None: no such run
    or it served nothing)."""
    base = _embedded(samples, sample.round)
    if base is None or base.result.rps <= 0:
        return None
    return sample.result.rps / base.result.rps


def _times(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def sample_line(samples: Sequence[Sample], sample: Sample) -> str:
    """One measurement, its ratio to the embedded store of its round last."""
    r = sample.result
    share = "" if sample.store == EMBEDDED else f", {_times(ratio(samples, sample))} embedded"
    if sample.store_cpu_s is not None:
        share += f", store CPU {sample.store_cpu_s:.2f} s"
    return (
        f"round {sample.round} {sample.store:<9} {r.rps:>8,.0f} req/s, p50 {r.p50_ms:6.1f} ms, "
        f"p99 {r.p99_ms:6.1f} ms, timeouts {r.timeouts}, non-2xx {sample.non_2xx}, "
        f"other socket errors {r.socket_errors - r.timeouts}{share}"
    )


@dataclass(frozen=True)
class Verdict:
    """A remote store's figures over all rounds, against the targets."""

    store: str
    worst_ratio: float | None
    worst_p99_ms: float
    timeouts: int
    non_2xx: int
    #: The embedded store's p99 in the round of the worst p99 (None: no such run): when it
    #: is as high, the machine's load made it, not the remote store.
    embedded_p99_ms: float | None = None

    @property
    def misses(self) -> list[str]:
        """The targets missed, in words (empty: all met)."""
        missed = []
        if self.worst_ratio is None or self.worst_ratio < MIN_RATIO:
            missed.append(f"throughput {_times(self.worst_ratio)} < {MIN_RATIO}x embedded")
        if self.timeouts > MAX_TIMEOUTS:
            missed.append(f"{self.timeouts} timeouts")
        if self.worst_p99_ms > MAX_P99_MS:
            missed.append(f"p99 {self.worst_p99_ms:.1f} ms > {MAX_P99_MS:.0f} ms")
        if self.non_2xx:
            missed.append(f"{self.non_2xx} answers outside 2xx")
        return missed

    @property
    def met(self) -> bool:
        return not self.misses

    def line(self) -> str:
        figures = (
            f"worst round {_times(self.worst_ratio)} embedded, {self.timeouts} timeouts, "
            f"worst p99 {self.worst_p99_ms:.1f} ms"
        )
        if self.embedded_p99_ms is not None:
            figures += f", embedded {self.embedded_p99_ms:.1f} ms in that round"
        if self.met:
            return f"{self.store}: MET ({figures})"
        return f"{self.store}: MISSED: {'; '.join(self.misses)} ({figures})"


def verdict(samples: Sequence[Sample], store: str) -> Verdict:
    """``store``'s worst figures over its rounds (a target holds only if every round meets it)."""
    own = [s for s in samples if s.store == store]
    ratios = [ratio(samples, s) for s in own]
    known = [r for r in ratios if r is not None]
    worst = max(own, key=lambda s: s.result.p99_ms, default=None)
    base = _embedded(samples, worst.round) if worst is not None and store != EMBEDDED else None
    return Verdict(
        store,
        min(known) if known and len(known) == len(ratios) else None,
        worst.result.p99_ms if worst is not None else 0.0,
        sum(s.result.timeouts for s in own),
        sum(s.non_2xx for s in own),
        base.result.p99_ms if base is not None else None,
    )


def _embedded(samples: Sequence[Sample], round_: int) -> Sample | None:
    return next((s for s in samples if s.store == EMBEDDED and s.round == round_), None)


def targets_line() -> str:
    return (
        f"targets for a remote store, every round: req/s >= {MIN_RATIO}x the embedded store's "
        f"in the same round, {MAX_TIMEOUTS} timeouts, p99 <= {MAX_P99_MS:.0f} ms, "
        "every answer 2xx"
    )


def pass_line(one: Pass) -> str:
    """One pass; the statuses outside 2xx named (0: no answer), e.g. ``non-2xx 3 (504 x3)``."""
    html = f", {one.not_html} not text/html" if one.not_html else ""
    others = Counter(s for s in one.statuses if not 200 <= s < 300)
    named = " (" + ", ".join(f"{s} x{n}" for s, n in sorted(others.items())) + ")" if others else ""
    return (
        f"{one.store:<9} {one.what:<16} {len(one.statuses)} pages in {one.seconds * 1000:7.1f} ms, "
        f"p50 {one.p50_ms:6.1f} ms, slowest {one.max_ms:6.1f} ms, non-2xx {one.non_2xx}{named}"
        f"{html}"
    )


def stores(samples: Sequence[Sample]) -> list[str]:
    """The stores in the order they were measured."""
    return list(dict.fromkeys(s.store for s in samples))


def markdown(samples: Sequence[Sample], passes: Sequence[Pass]) -> str:
    """The warm figures (one row per store, its rounds side by side) and the cold passes."""
    rounds = sorted({s.round for s in samples})
    lines = [
        "| store | req/s per round | x embedded (worst) | p99 ms (worst) | timeouts "
        "| non-2xx | targets |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for store in stores(samples):
        own = {s.round: s for s in samples if s.store == store}
        rps = " / ".join(f"{own[r].result.rps:,.0f}" if r in own else "-" for r in rounds)
        v = verdict(samples, store)
        met = "(reference)" if store == EMBEDDED else ("met" if v.met else "missed")
        lines.append(
            f"| {store} | {rps} | {'-' if store == EMBEDDED else _times(v.worst_ratio)} "
            f"| {v.worst_p99_ms:.1f} | {v.timeouts} | {v.non_2xx} | {met} |"
        )
    if passes:
        lines += [
            "",
            "| cold pass | store | all pages ms | p50 ms | slowest ms | non-2xx |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        lines += [
            f"| {p.what} | {p.store} | {p.seconds * 1000:.0f} | {p.p50_ms:.1f} "
            f"| {p.max_ms:.1f} | {p.non_2xx} |"
            for p in passes
        ]
    return "\n".join(lines)
