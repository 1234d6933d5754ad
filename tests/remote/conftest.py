"""Fixtures for the remote-store tests: a real ``oxigraph serve``, fake builds, fake stores."""

from __future__ import annotations

import base64
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from converter.publish import PublishReport, publish
from tests.support.fakedist import write_dist
from tests.support.oxigraph_server import OxigraphServer


@pytest.fixture
def oxigraph(tmp_path: Path) -> Iterator[OxigraphServer]:
    """A fresh, empty ``oxigraph serve`` (no union default graph) for one test."""
    with OxigraphServer(tmp_path / "oxigraph") as server:
        yield server


@pytest.fixture
def fake_dist(tmp_path: Path) -> Path:
    """A valid fake build (edition fy2023, catalog, ontology)."""
    return write_dist(tmp_path / "dist")


@pytest.fixture
def publish_to(oxigraph: OxigraphServer):  # type: ignore[no-untyped-def]
    """``publish_to(dist)`` publishes into the test's oxigraph server."""

    def run(dist: Path) -> PublishReport:
        return publish(dist, store_url=oxigraph.store_url, query_url=oxigraph.query_url, timeout=10)

    return run


@dataclass
class Answer:
    """What the fake endpoint does with every request."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/sparql-results+json"
    delay: float = 0.0


class FakeEndpoint:
    """A tiny HTTP server on 127.0.0.1 that answers (or stalls) as told: a misbehaving store."""

    def __init__(self) -> None:
        self.answer = Answer()
        self.released = threading.Event()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                answer = endpoint.answer
                if answer.delay and endpoint.released.wait(answer.delay):
                    return
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", answer.content_type)
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                except OSError:  # the client gave up first
                    pass

            do_GET = do_POST  # noqa: N815

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/query"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def fake_endpoint() -> Iterator[FakeEndpoint]:
    endpoint = FakeEndpoint()
    yield endpoint
    endpoint.close()


@pytest.fixture(params=["plain", "union"])
def any_oxigraph(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OxigraphServer]:
    """``oxigraph serve`` without, then with ``--union-default-graph``: readers see the same."""
    union = request.param == "union"
    with OxigraphServer(tmp_path / "oxigraph", union_default_graph=union) as server:
        yield server


class AuthProxy:
    """A store that wants HTTP Basic auth: checks ``Authorization``, then relays to oxigraph.

    A refused request is answered 401 with the ``Authorization`` header it got echoed in the
    body (a careless store), so tests can check that publish never repeats credentials.
    """

    def __init__(self, upstream: str, user: str, password: str) -> None:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self.expected = f"Basic {token}"
        self.seen: list[tuple[str, str | None]] = []  # (method, Authorization)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _relay(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                authorization = self.headers.get("Authorization")
                proxy.seen.append((self.command, authorization))
                if authorization != proxy.expected:
                    self._answer(401, f"bad credentials: {authorization}".encode(), "text/plain")
                    return
                request = urllib.request.Request(
                    upstream + self.path,
                    data=body if self.command in ("POST", "PUT") else None,
                    method=self.command,
                    headers={
                        k: v
                        for k, v in self.headers.items()
                        if k.lower() in ("content-type", "accept")
                    },
                )
                try:
                    with urllib.request.urlopen(request, timeout=10) as response:
                        self._answer(
                            response.status, response.read(), response.headers["Content-Type"]
                        )
                except urllib.error.HTTPError as exc:
                    self._answer(
                        exc.code, exc.read(), exc.headers.get("Content-Type", "text/plain")
                    )

            def _answer(self, status: int, body: bytes, content_type: str | None) -> None:
                self.send_response(status)
                if status == 401:
                    self.send_header("WWW-Authenticate", 'Basic realm="store"')
                self.send_header("Content-Type", content_type or "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = _relay  # noqa: N815

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def auth_proxy(oxigraph: OxigraphServer) -> Iterator[AuthProxy]:
    """Basic auth (user ``publisher``, password ``s3cret-Pa55``) in front of ``oxigraph``."""
    proxy = AuthProxy(oxigraph.base_url, "publisher", "s3cret-Pa55")
    yield proxy
    proxy.close()
