"""Fixtures for the remote-store tests: a real ``oxigraph serve``, fake builds, fake stores."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from converter.publish import PublishReport, publish
from tests.remote.fakedist import write_dist
from tests.support.oxigraph_server import OxigraphServer


@pytest.fixture
def oxigraph(tmp_path: Path) -> Iterator[OxigraphServer]:
    """A fresh, empty ``oxigraph serve --union-default-graph`` for one test."""
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
