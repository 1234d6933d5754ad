"""Fixtures for the remote-store tests: real stores, fake builds, fake stores.

Real stores: ``oxigraph serve`` (a fresh one per test) and Virtuoso Open Source 7 (one per
session, i.e. per xdist worker, reset between tests: a fresh database takes seconds).
``triplestore`` runs a test on each, ``any_store`` adds Oxigraph with
``--union-default-graph``; ``oxigraph`` is for the tests that are about Oxigraph alone.
Virtuoso tests carry the ``virtuoso`` marker and fail (never skip) where it is not installed.
"""

from __future__ import annotations

import base64
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from converter.publish import PublishReport, publish
from tests.support.fakedist import write_dist
from tests.support.oxigraph_server import OxigraphServer
from tests.support.virtuoso_server import PUBLISHER, VirtuosoServer, missing

#: The real stores every ``triplestore`` test runs on.
STORES = ["oxigraph", pytest.param("virtuoso", marks=pytest.mark.virtuoso)]


class TripleStore:
    """A real store under test, whatever its kind: its URLs, publishing into it, uploading
    a graph behind publish's back, taking it down and up again (same port, same data)."""

    def __init__(self, name: str, server: OxigraphServer | VirtuosoServer) -> None:
        self.name = name
        self.server = server

    def __repr__(self) -> str:
        return f"TripleStore({self.name}, {self.server.base_url})"

    @property
    def query_url(self) -> str:
        return self.server.query_url

    @property
    def update_url(self) -> str:
        return self.server.update_url

    @property
    def store_url(self) -> str:
        return self.server.store_url

    @property
    def system_graphs(self) -> frozenset[str]:
        """Graphs the store holds of its own (Virtuoso's virtrdf# …), never ours."""
        return self.server.system_graphs if isinstance(self.server, VirtuosoServer) else frozenset()

    @property
    def cli_args(self) -> list[str]:
        """``converter publish`` options for this store (the other URLs are derived)."""
        if isinstance(self.server, OxigraphServer):
            return ["--store", self.server.base_url]
        # …/sparql-graph-crud-auth: …/sparql-auth for the rest, as the publisher (Digest)
        return ["--store", self.store_url, "--user", PUBLISHER[0]]

    @property
    def cli_env(self) -> dict[str, str]:
        """The environment ``converter publish`` needs besides :attr:`cli_args`."""
        return (
            {} if isinstance(self.server, OxigraphServer) else {"DX_STORE_PASSWORD": PUBLISHER[1]}
        )

    def publish(self, dist: Path) -> PublishReport:
        """Publish ``dist`` as the store's publisher (Virtuoso: the authenticated account)."""
        if isinstance(self.server, OxigraphServer):
            return publish(dist, store_url=self.store_url, query_url=self.query_url, timeout=10)
        user, password = PUBLISHER
        return publish(
            dist,
            store_url=self.store_url,
            query_url=self.server.auth_url,
            update_url=self.update_url,
            timeout=10,
            user=user,
            password=password,
        )

    def put(self, graph: str, path: Path) -> None:
        """Upload a file to ``graph`` with the Graph Store Protocol, as a publish does."""
        request = urllib.request.Request(
            f"{self.store_url}?{urllib.parse.urlencode({'graph': graph})}",
            data=path.read_bytes(),
            method="PUT",
            headers={"Content-Type": "text/turtle"},
        )
        opener = self.server.urlopen if isinstance(self.server, VirtuosoServer) else None
        with (opener or urllib.request.urlopen)(request, timeout=10) as response:
            response.read()

    def update(self, text: str) -> None:
        """Run SPARQL Update on the store, as its publisher."""
        if isinstance(self.server, VirtuosoServer):
            self.server.update(text)
            return
        request = urllib.request.Request(
            self.update_url,
            data=urllib.parse.urlencode({"update": text}).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def stop(self) -> None:
        self.server.stop()

    def start(self) -> None:
        self.server.start()


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    """One Virtuoso per session (per xdist worker); ``virtuoso`` resets it for each test."""
    reason = missing()
    if reason is not None:
        pytest.fail(f"the virtuoso tests need Virtuoso: {reason}", pytrace=False)
    with VirtuosoServer(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


@pytest.fixture
def virtuoso(virtuoso_server: VirtuosoServer) -> Iterator[VirtuosoServer]:
    """The session's Virtuoso, running and holding only its own system graphs."""
    virtuoso_server.reset()
    yield virtuoso_server
    virtuoso_server.start()  # a test that stopped it and failed must not break the next one


def _store(request: pytest.FixtureRequest, tmp_path: Path, kind: str) -> Iterator[TripleStore]:
    if kind == "virtuoso":
        yield TripleStore(kind, request.getfixturevalue("virtuoso"))
        return
    union = kind == "oxigraph-union"
    with OxigraphServer(tmp_path / "oxigraph", union_default_graph=union) as server:
        yield TripleStore(kind, server)


@pytest.fixture(params=STORES)
def triplestore(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TripleStore]:
    """An empty real store: ``oxigraph serve``, then Virtuoso."""
    yield from _store(request, tmp_path, request.param)


@pytest.fixture(params=["oxigraph", "oxigraph-union", STORES[1]])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TripleStore]:
    """Every store and default-graph setting readers must not notice: ``oxigraph serve``
    without and with ``--union-default-graph``, and Virtuoso."""
    yield from _store(request, tmp_path, request.param)


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
def publish_to(triplestore: TripleStore) -> Callable[[Path], PublishReport]:
    """``publish_to(dist)`` publishes into the test's store (each of ``triplestore``)."""
    return triplestore.publish


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
