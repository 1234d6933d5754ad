"""A real HTTP proxy in front of a store that can delay or hold requests: faults on demand.

It forwards each request to ``upstream`` over a new connection and sends the answer back.
``rule(method, path, body)`` decides per request: forward it (``None``), forward it after
a delay (a float, in seconds: a slow store), or ``HOLD``: keep the request, call
``on_hold`` (the test kills the client there), and never forward it (the request died
with its sender); or ``FORWARD_THEN_HOLD``: forward it, then call ``on_hold`` and drop the
store's answer. Every request is remembered in :attr:`seen`, as ``(method, path, body)``.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HOLD = "hold"
#: Forward the request, then call ``on_hold`` before the answer goes back (the store acted,
#: its client never learns of it).
FORWARD_THEN_HOLD = "forward-then-hold"
Rule = Callable[[str, str, bytes], "float | str | None"]


class FaultProxy:
    """``with FaultProxy("http://127.0.0.1:7878") as proxy:`` serves on ``proxy.url``."""

    def __init__(self, upstream: str, rule: Rule | None = None) -> None:
        parts = urlsplit(upstream)
        self.upstream = (str(parts.hostname), int(parts.port or 80))
        self.rule: Rule = rule or (lambda method, path, body: None)
        self.on_hold: Callable[[], None] = lambda: None
        self.seen: list[tuple[str, str, bytes]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass  # quiet: the test reads proxy.seen

            def _relay(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                proxy.seen.append((self.command, self.path, body))
                action = proxy.rule(self.command, self.path, body)
                if action == HOLD:
                    proxy.on_hold()
                    self.close_connection = True
                    return
                if isinstance(action, float | int):
                    time.sleep(float(action))  # waits: this is the slow store
                self._forward(body, hold_answer=action == FORWARD_THEN_HOLD)

            def _forward(self, body: bytes, *, hold_answer: bool = False) -> None:
                conn = http.client.HTTPConnection(*proxy.upstream, timeout=60)
                try:
                    skip = {"host", "connection", "content-length", "keep-alive"}
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in skip}
                    conn.request(self.command, self.path, body=body or None, headers=headers)
                    answer = conn.getresponse()
                    data = answer.read()
                except OSError:
                    self.send_error(502)
                    return
                finally:
                    conn.close()
                if hold_answer:
                    proxy.on_hold()
                    self.close_connection = True
                    return
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _relay

        return Handler
