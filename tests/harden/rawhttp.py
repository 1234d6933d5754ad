"""HTTP/1.1 over a raw socket: send exactly these bytes, read whatever comes back.

The abuse tests need requests no client library will send (broken request lines, bad
percent-encoding, bodies cut short), and must tell "answered 400" from "closed without an
answer". :func:`exchange` sends once on a fresh connection and parses the first answer.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.timing import within

#: What a traceback or a Rust panic leaves in a server log.
TRACE_MARKERS = ("Traceback (most recent call last)", "panicked at", "stack backtrace:")


@dataclass(frozen=True)
class Answer:
    """The first answer on the connection; ``status`` None: closed (or timed out) without one."""

    status: int | None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    raw: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def exchange(
    port: int, data: bytes, *, timeout: float = within(5.0), half_close: bool = False
) -> Answer:
    """Send ``data`` to 127.0.0.1:``port`` on a new connection; the parsed first answer.

    ``half_close`` shuts the sending side afterwards (a client that stopped sending).
    """
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(data)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
        except OSError:  # the server may close while a huge request is still being sent
            pass
        raw = _read_all(sock)
    return parse(raw)


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except (TimeoutError, ConnectionResetError):
        pass
    return b"".join(chunks)


def parse(raw: bytes) -> Answer:
    """The first HTTP answer in ``raw`` (its body cut at Content-Length when there is one)."""
    head, sep, rest = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ", 2) if lines and lines[0] else []
    if not sep or len(parts) < 2 or not parts[0].startswith(b"HTTP/") or not parts[1].isdigit():
        return Answer(None, raw=raw)
    headers = {}
    for line in lines[1:]:
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    length = headers.get("content-length")
    body = rest[: int(length)] if length and length.isdigit() else rest
    return Answer(int(parts[1]), headers, body, raw)


def request(
    method: str, target: str, headers: dict[str, str] | None = None, body: bytes = b""
) -> bytes:
    """A well-formed HTTP/1.1 request (``Connection: close``) with ``headers`` added."""
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def tracebacks(log: Path, start: int = 0) -> list[str]:
    """Lines of ``log`` past byte ``start`` that show a traceback or a panic."""
    with log.open("rb") as handle:
        handle.seek(start)
        text = handle.read().decode("utf-8", "replace")
    return [line for line in text.splitlines() if any(m in line for m in TRACE_MARKERS)]
