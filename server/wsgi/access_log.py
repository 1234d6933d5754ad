"""The access log of ``python -m server``: one line per request on standard output.

A line is the Common Log Format plus the milliseconds the app took::

    127.0.0.1 - - [02/Dec/2026:11:49:00 +0000] "GET /id/kpi/2 HTTP/1.1" 200 5120 1.4ms

granian's own access log goes through Python's ``logging``: one lock that every request
thread takes, and a write per request. Under 20 connections of SPARQL joins it took 43 % of
a server process's busy samples (py-spy), as much as the app itself. Here a request only
appends its line to a deque (atomic under the GIL); a daemon thread writes what has gathered
every 0.2 s in one ``write``, as nginx's ``access_log … buffer=`` does. A process killed
outright loses at most that much of its log.
"""

from __future__ import annotations

import atexit
import collections
import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

#: Characters a logged URL keeps as they are; everything else (spaces, quotes, control
#: characters, non-ASCII) is percent-encoded, so one request is always one parseable line.
_SAFE = "/:@!$&'()*+,;=-._~%?"
_LONGEST_URL = 2000  # characters of the URL a line keeps (a 100 KB URL is cut, marked …)
_BUFFERED = 65_536  # lines held at most if the output blocks; older ones are dropped


class AccessLog:
    """WSGI middleware writing one line per request to ``fd`` (standard output), but for
    requests of the ``quiet`` paths (the health checks a balancer sends every few seconds,
    which would drown the readers' lines)."""

    def __init__(
        self,
        app: WSGIApp,
        *,
        fd: int = 1,
        interval: float = 0.2,
        quiet: frozenset[str] = frozenset(),
    ) -> None:
        self.app = app
        self.quiet = quiet
        self.fd = fd
        self.interval = interval
        self.lines: collections.deque[str] = collections.deque(maxlen=_BUFFERED)
        self._second = -1
        self._stamp = ""
        self._writer: threading.Thread | None = None
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        started = time.monotonic()
        if self._writer is None:
            self._start_writer()
        sent: list[Any] = []

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            sent[:] = (status, headers)
            return start_response(status, headers, exc_info)

        body = self.app(environ, start)
        if environ.get("PATH_INFO") in self.quiet:
            return body
        status, headers = sent if sent else ("-", [])
        size = next((v for k, v in headers if k.lower() == "content-length"), "-")
        self.lines.append(
            f"{environ.get('REMOTE_ADDR') or '-'} - - [{self._now()}] "
            f'"{environ.get("REQUEST_METHOD", "-")} {_url(environ)} '
            f'{environ.get("SERVER_PROTOCOL", "-")}" {status[:3]} {size} '
            f"{(time.monotonic() - started) * 1000:.1f}ms"
        )
        return body

    def flush(self) -> None:
        out = []
        try:
            while True:  # the writer thread and the exit hook may both be here
                out.append(self.lines.popleft())
        except IndexError:
            pass
        if out:
            data = ("\n".join(out) + "\n").encode("utf-8", "replace")
            try:
                while data:
                    data = data[os.write(self.fd, data) :]
            except OSError:
                pass  # the output is gone: nothing to log to

    def _start_writer(self) -> None:
        # At the first request, in the process that serves it (a server may fork after
        # building the app, and a thread does not survive a fork).
        with self._lock:
            if self._writer is None:
                self._writer = threading.Thread(
                    target=self._write_forever, name="access-log", daemon=True
                )
                self._writer.start()
                atexit.register(self.flush)

    def _write_forever(self) -> None:
        while True:
            time.sleep(self.interval)
            self.flush()

    def _now(self) -> str:
        now = int(time.time())
        if now != self._second:  # one strftime per second, not per request
            self._stamp = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now))
            self._second = now
        return self._stamp


def _url(environ: dict[str, Any]) -> str:
    """The request's path and query as sent, made safe for one log line."""
    # PEP 3333: PATH_INFO holds the request's bytes as latin-1 characters.
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    url = quote(path.encode("latin-1", "replace"), safe=_SAFE)
    query = environ.get("QUERY_STRING", "")
    if query:
        url += "?" + quote(query.encode("latin-1", "replace"), safe=_SAFE)
    return url if len(url) <= _LONGEST_URL else url[:_LONGEST_URL] + "…"
