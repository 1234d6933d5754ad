"""The reliability checks bench/wsgi_compare.py runs against each WSGI server (issue 10).

- :func:`keepalive_413`: issue 9's check. One keep-alive session sends an oversized POST to
  /sparql (413 expected), then ``ASK {}`` on the same session (200 expected), ten times; a
  server that closes the connection it announced as kept alive makes one of them fail with
  ``RemoteDisconnected`` / ``ConnectionError``.
  With a body too big to drain (:data:`UNDRAINED`) the app asks for ``Connection: close``.
- :func:`slow_clients`: a slowloris. Many connections send their request headers one byte
  at a time while wrk measures the landing page; a server whose request threads wait for
  whole headers has none left for the others.
- :func:`still_up`: after both, does it still answer, and with the same processes?
"""

from __future__ import annotations

import http.client
import os
import selectors
import socket
import threading
import time
from dataclasses import dataclass, field

import requests

from bench import servers, wrk
from bench.servers import Server
from bench.wrk import Request, WrkResult
from server.sparql.protocol import DRAIN_MAX_BYTES

MAX_BODY = 1024  #: DX_SPARQL_MAX_BODY_BYTES of the server these checks run against
UNDRAINED = DRAIN_MAX_BYTES + 1024 * 1024  #: a body the app refuses without reading it
RESULTS = {"Accept": "application/sparql-results+json"}


@dataclass(frozen=True)
class KeepAlive:
    """The outcome of :func:`keepalive_413`."""

    rounds: int
    post_failures: int  #: the POST raised (the connection was dropped under it)
    get_failures: int  #: the GET after it raised
    wrong_status: int  #: answered, but not 413 (POST) or 200 (GET)
    seconds: float
    first_error: str | None = None

    @property
    def ok(self) -> int:
        """Rounds in which both requests got the expected answer."""
        return self.rounds - self.post_failures - self.get_failures - self.wrong_status

    def cells(self) -> str:
        return (
            f"{self.ok:>2}/{self.rounds} ok, POST fail {self.post_failures}, "
            f"GET fail {self.get_failures}, bad status {self.wrong_status}, {self.seconds:.1f} s"
        )


def keepalive_413(server: Server, rounds: int = 10, size: int = 2 * 1024 * 1024) -> KeepAlive:
    """``rounds`` of (POST ``size`` bytes, then GET ``ASK {}``) on one ``requests.Session``.
    The server must run with ``DX_SPARQL_MAX_BODY_BYTES`` below ``size`` (:data:`MAX_BODY`)."""
    assert server.sparql, f"{server.name} has no SPARQL endpoint"
    url = f"http://127.0.0.1:{server.port}{server.sparql}"
    body = b"#" * size
    posts = gets = wrong = 0
    first: str | None = None
    started = time.monotonic()
    with requests.Session() as session:
        for _ in range(rounds):
            try:
                refused = session.post(
                    url, data=body, headers={"Content-Type": "application/sparql-query"}, timeout=10
                )
            except requests.RequestException as exc:
                posts += 1
                first = first or f"POST: {type(exc).__name__}: {exc}"
                continue
            try:
                answer = session.get(url, params={"query": "ASK {}"}, headers=RESULTS, timeout=10)
            except requests.RequestException as exc:
                gets += 1
                first = first or f"GET: {type(exc).__name__}: {exc}"
                continue
            if refused.status_code != 413 or answer.status_code != 200:
                wrong += 1
                first = first or f"statuses {refused.status_code}, {answer.status_code}"
    return KeepAlive(rounds, posts, gets, wrong, time.monotonic() - started, first)


@dataclass
class Attack:
    """What the slow clients of :func:`slow_clients` saw."""

    clients: int
    connected: int = 0
    dropped: int = 0  #: the server closed (or reset) the connection before the request ended
    answered: int = 0  #: got a status line once the request was complete
    statuses: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class SlowClients:
    """Landing-page figures without and during the attack, and the attackers' fate."""

    baseline: WrkResult
    attacked: WrkResult
    attack: Attack
    byte_every: float
    attack_seconds: float

    @property
    def ratio(self) -> float:
        return self.attacked.rps / self.baseline.rps if self.baseline.rps else float("nan")


def _slow_request(ticks: int) -> bytes:
    # A header long enough that the slow part (one byte per tick) never ends the headers.
    return (
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"s" * ticks + b"\r\n"
        b"Accept: text/html\r\nConnection: close\r\n\r\n"
    )


def _attack(port: int, attack: Attack, ticks: int, every: float, started: threading.Event) -> None:
    """Open ``attack.clients`` connections, send the first ``ticks`` bytes of a request on
    each, one byte per ``every`` seconds, then the rest at once, and read each answer."""
    text = _slow_request(ticks)
    socks: list[socket.socket] = []
    try:
        for _ in range(attack.clients):
            try:
                socks.append(socket.create_connection(("127.0.0.1", port), timeout=5))
            except OSError:
                continue
        attack.connected = len(socks)
        alive = list(socks)
        begin = time.monotonic()
        for tick in range(ticks + 1):
            for sock in list(alive):
                try:
                    sock.sendall(text[tick : tick + 1] if tick < ticks else text[ticks:])
                except OSError:
                    alive.remove(sock)
                    attack.dropped += 1
            if tick == 0:
                started.set()
            if tick < ticks:
                time.sleep(max(0.0, begin + (tick + 1) * every - time.monotonic()))
        _answers(alive, attack, deadline=time.monotonic() + 15)
    finally:
        started.set()  # never leave the measuring side waiting
        for sock in socks:
            sock.close()


def _answers(socks: list[socket.socket], attack: Attack, deadline: float) -> None:
    """Read the status line of each answer, all connections at once, until ``deadline``."""
    heads = {sock: b"" for sock in socks}
    with selectors.DefaultSelector() as selector:
        for sock in socks:
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ)
        while heads and time.monotonic() < deadline:
            for key, _ in selector.select(timeout=max(0.0, deadline - time.monotonic())):
                conn = key.fileobj
                assert isinstance(conn, socket.socket)
                try:
                    chunk = conn.recv(4096)
                except OSError:
                    chunk = b""
                heads[conn] += chunk
                if chunk and b"\r\n" not in heads[conn]:
                    continue  # the status line is not complete yet
                selector.unregister(conn)
                head = heads.pop(conn)
                if head.startswith(b"HTTP/1.") and len(head.split(b" ", 2)) > 1:
                    status = int(head.split(b" ", 2)[1])
                    attack.answered += 1
                    attack.statuses[status] = attack.statuses.get(status, 0) + 1
                else:
                    attack.dropped += 1  # closed without an answer


def slow_clients(
    server: Server,
    *,
    clients: int = 50,
    every: float = 0.1,
    attack_seconds: float = 2.0,
    seconds: int = 3,
    connections: int = 20,
    threads: int = 2,
) -> SlowClients:
    """wrk on the landing page for ``seconds`` alone, then again while ``clients``
    connections send their headers one byte per ``every`` s for ``attack_seconds``."""
    landing = Request("/", {"Accept": "text/html"})
    wrk.run(server.port, landing, connections=connections, seconds=1, threads=threads)
    servers.settle(server.pid)
    baseline = wrk.run(
        server.port, landing, connections=connections, seconds=seconds, threads=threads
    )
    servers.settle(server.pid)
    attack, started = Attack(clients), threading.Event()
    ticks = max(1, round(attack_seconds / every))
    attacker = threading.Thread(
        target=_attack, args=(server.port, attack, ticks, every, started), daemon=True
    )
    attacker.start()
    started.wait(timeout=30)  # every slow connection is open and has sent its first byte
    attacked = wrk.run(
        server.port, landing, connections=connections, seconds=seconds, threads=threads
    )
    attacker.join(timeout=60)
    servers.settle(server.pid)
    return SlowClients(baseline, attacked, attack, every, attack_seconds)


@dataclass(frozen=True)
class Health:
    up: bool  #: its main process lives and it answers / and ASK {} with 200
    before: int  #: processes of its tree when the checks started
    lost: int  #: of those, how many are gone (died, or replaced by a new worker)
    detail: str = ""


def still_up(server: Server, before: set[int]) -> Health:
    """Whether ``server`` survived the checks (``before``: its tree when they started).
    Processes that appear meanwhile (query workers start on the first query) are no loss."""
    try:
        os.kill(server.pid, 0)
        alive, detail = True, ""
    except ProcessLookupError:
        alive, detail = False, "main process gone"
    statuses: list[int] = []
    if alive:
        try:
            statuses.append(servers.get(server.port, "/", {"Accept": "text/html"}).status)
            if server.sparql:
                ask = f"{server.sparql}?query=ASK%7B%7D"
                statuses.append(servers.get(server.port, ask, RESULTS).status)
        except (OSError, http.client.HTTPException) as exc:
            detail = f"{type(exc).__name__}: {exc}"
    after = servers.tree_pids(server.pid) if alive else set()
    up = alive and bool(statuses) and all(s == 200 for s in statuses)
    if alive and not up and not detail:
        detail = f"statuses {statuses}"
    return Health(up, len(before), len(before - after), detail)
