"""Slow clients: 200 connections dribbling headers must not delay anyone else past 1 s.

Each slow client sends a request line, then one header line a second, and never ends its
headers; when the server closes it (granian allows 10 s for the headers), it connects again,
as an attacker would. Meanwhile a probe fetches the landing page on a fresh connection every
0.2 s. One asyncio loop holds all 200 sockets: it only writes a line a second, so it is no
load generator (wrk measures speed elsewhere).
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

from tests.harden.figures import Figure, record
from tests.harden.scale import scaled_seconds
from tests.harden.traffic import Probes
from tests.support.live_server import Live
from tests.support.timing import within

SLOW_CLIENTS = 200
MAX_DELAY = 1.0

pytestmark = pytest.mark.slow


@dataclass
class Dribble:
    lines: int = 0
    closed_by_server: int = 0
    refused: int = 0


async def _slow_client(host: str, port: int, until: float, tally: Dribble) -> None:
    while time.monotonic() < until:
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError:
            tally.refused += 1
            await asyncio.sleep(1.0)
            continue
        try:
            writer.write(b"GET / HTTP/1.1\r\nHost: slow\r\n")
            n = 0
            while time.monotonic() < until:
                await asyncio.sleep(1.0)
                if reader.at_eof():
                    break
                writer.write(b"X-Slow-%d: %d\r\n" % (n, n))
                await writer.drain()
                n += 1
                tally.lines += 1
        except (ConnectionError, OSError):
            pass
        finally:
            if time.monotonic() < until:
                tally.closed_by_server += 1
            writer.close()


async def _dribble(host: str, port: int, seconds: float, tally: Dribble) -> None:
    until = time.monotonic() + seconds
    await asyncio.gather(*(_slow_client(host, port, until, tally) for _ in range(SLOW_CLIENTS)))


def test_slow_clients_do_not_delay_others(deployed: tuple[str, Live]) -> None:
    kind, live = deployed
    parts = urlsplit(live.url)
    host, port = str(parts.hostname), int(parts.port or 80)
    seconds, tally = scaled_seconds(12, 30), Dribble()
    attack = threading.Thread(target=lambda: asyncio.run(_dribble(host, port, seconds, tally)))
    attack.start()
    probes = Probes(live.url + "/")
    time.sleep(1.5)  # waits: every slow client connects and starts dribbling
    while attack.is_alive():
        probes.probe()
        time.sleep(0.2)
    attack.join()
    record(
        Figure(
            case=f"slow clients: {SLOW_CLIENTS} connections, a header line a second, {seconds:g} s",
            sent=f"{tally.lines:,} header lines; {len(probes.latencies)} probes of /",
            outcome=f"worst probe {probes.worst * 1000:.0f} ms; "
            f"{tally.closed_by_server} slow connections closed by the server",
            errors=len(probes.failures) + sum(t > MAX_DELAY for t in probes.latencies),
            p99_ms=probes.p99_ms(),
            store=kind,
        )
    )
    assert probes.latencies and not probes.failures, probes.failures
    assert probes.worst < within(MAX_DELAY), sorted(probes.latencies)[-5:]
    assert tally.lines > SLOW_CLIENTS * (seconds - 3) * 0.5  # the attack really ran
