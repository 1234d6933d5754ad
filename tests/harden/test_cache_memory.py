"""The response cache under made-up URLs (issue 26, probe finding 3), on the real server.

The probe: 8,000 requests for ``/favicon.ico`` with unique 60 KB query strings added 809 MB
to the server's processes, never given back. Here ``python -m server`` (one process,
``DX_RESPONSE_CACHE_MB=8``) gets 10,000 such requests, then 10,000 unique searches (a route
that takes ``q``, so each answer is cached), from wrk; its resident memory grows by less than
the cache's budget plus :data:`OVERHEAD_MB`, the allocator's and granian's own share
(buffers for 60 KB requests, arenas), stated here and in the README.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.wrk import Request, available, run
from tests.harden.figures import Figure, record
from tests.support.live_server import live_process
from tests.support.proctree import tree_rss_mb

BUDGET_MB = 8
OVERHEAD_MB = 40
REQUESTS = 10_000

pytestmark = pytest.mark.slow


def _send(port: int, request: Request, nonce: int, at_least: int = REQUESTS) -> int:
    """At least ``at_least`` answers of ``request`` (wrk runs for a second or two at a time
    until it has sent that many, however slow the machine)."""
    sent = 0
    while sent < at_least:
        result = run(port, request, connections=4, seconds=2, threads=2, nonce=nonce + sent)
        assert result.errors == 0, result
        sent += result.requests
    return sent


@pytest.mark.skipif(available() is None, reason="needs wrk (scripts/install-system-deps.sh)")
def test_made_up_urls_leave_memory_within_the_cache_budget(dist_dir: Path, tmp_path: Path) -> None:
    env = {"DX_RESPONSE_CACHE_MB": str(BUDGET_MB), "WEB_CONCURRENCY": "1"}
    with live_process(dist_dir, log=tmp_path / "server.log", **env) as live:
        port = int(live.url.rsplit(":", 1)[1])
        pid = live.process.pid
        _send(port, Request("/favicon.ico"), 0, at_least=2_000)  # threads and buffers exist
        before = tree_rss_mb(pid)
        favicon = _send(port, Request("/favicon.ico?p", suffix="=" + "x" * 60_000), 0)
        after_favicon = tree_rss_mb(pid)
        searches = _send(port, Request("/search.json?q=probe", suffix=""), 0)
        after = tree_rss_mb(pid)
    record(
        Figure(
            case=f"response cache: made-up URLs (DX_RESPONSE_CACHE_MB={BUDGET_MB})",
            sent=f"{favicon:,} favicon requests with 60 KB query strings, {searches:,} "
            "unique searches",
            outcome=f"RSS {before:.0f} → {after_favicon:.0f} → {after:.0f} MB "
            f"(bound: +{BUDGET_MB} + {OVERHEAD_MB} MB)",
            errors=0,
            peak_rss_mb=after,
        )
    )
    assert after_favicon - before < OVERHEAD_MB, (before, after_favicon)
    assert after - before < BUDGET_MB + OVERHEAD_MB, (before, after_favicon, after)
