"""A query worker that dies says why, in one log line and no backtrace (issue 12, defect C).

A stack overflow (a query nested past what the engine's recursion takes) used to be
reported as "too much memory"; a worker stopped at its memory cap printed Rust's whole
backtrace into the server's log (``RUST_BACKTRACE=1`` is common in developers' shells and
CI images, so the test sets it). Now: SIGSEGV → 400 "too deeply nested", any other death →
503 "too much memory", one line each in the log, and the next query is answered.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

from tests.harden.figures import Figure, record
from tests.harden.rawhttp import tracebacks
from tests.support.live_server import live_process

#: Binary, not bracketed: the guard's nesting bound does not see it, the engine recurses.
DEEP = "SELECT * WHERE { BIND(" + "+".join(["1"] * 9_900) + " AS ?x) }"
#: Every pair of triples, concatenated into one string: far past a 300 MiB cap.
GREEDY = (
    "SELECT (GROUP_CONCAT(CONCAT(STR(?a), STR(?b), STR(?c), STR(?d)); separator='"
    + "x" * 60
    + "') AS ?x) WHERE { ?a ?p ?b . ?c ?q ?d }"
)
NOISE = ("stack backtrace:", "memory allocation of", "Segmentation fault", "Fatal Python")


def post(url: str, query: str) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(
        url + "/sparql",
        data=query.encode(),
        headers={"Content-Type": "application/sparql-query", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, {}
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())


def test_stack_overflow_and_memory_cap_are_told_apart(dist_dir: Path, tmp_path: Path) -> None:
    assert len(DEEP) < 20_000  # within the query length limit
    env = {"DX_SPARQL_MEMORY_MB": "600", "DX_SPARQL_TIMEOUT": "30", "RUST_BACKTRACE": "1"}
    with live_process(dist_dir, log=tmp_path / "server.log", **env) as live:
        deep_status, deep = post(live.url, DEEP)
        after_deep, _ = post(live.url, "ASK {}")
        greedy_status, greedy = post(live.url, GREEDY)
        after_greedy, _ = post(live.url, "ASK {}")
        log = live.log_text(
            lambda text: "overflowed its stack" in text and "too much memory" in text
        )
    noise = [line for line in log.splitlines() if any(n in line for n in NOISE)]
    traces = tracebacks(live.log)
    record(
        Figure(
            case="query workers dying: stack overflow vs memory cap",
            sent="4 requests: 9,900-term sum, all-pairs GROUP_CONCAT, ASK after each",
            outcome=f"{deep_status}, {after_deep}, {greedy_status}, {after_greedy}",
            errors=len(noise) + len(traces),
        )
    )
    assert deep_status == 400 and "too deeply nested" in str(deep["error"]), deep
    assert greedy_status == 503 and "too much memory" in str(greedy["error"]), greedy
    assert after_deep == after_greedy == 200
    assert log.count("overflowed its stack") == 1, log[-2000:]
    assert log.count("too much memory") == 1, log[-2000:]  # the 503's one warning line
    assert not noise and not traces, (noise, traces)
