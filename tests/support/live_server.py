"""The app over real HTTP on 127.0.0.1: the real server as a child process, or in a thread.

:func:`live_server` starts ``python -m server`` exactly as ``make run`` does (granian,
``HOST``/``PORT`` from the environment); :func:`serve_app` serves a Flask app
built by the test itself with werkzeug in a thread of the test process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from werkzeug.serving import make_server

from tests.support.processes import free_port, log_tail, stop_process, wait_until_answers
from tests.support.timing import within

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Live:
    """A running ``python -m server``: its base URL, process (the tree's root) and log."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def log_text(self, until: Callable[[str], bool], timeout: float = 3.0) -> str:
        """The server's log once ``until(text)`` holds, or when ``within(timeout)`` passed
        (the caller's assertion then says what is missing). A server writes some lines
        after it has answered (the access log, from a buffer): read them when they are
        there, not after a fixed pause."""
        deadline = time.monotonic() + within(timeout)
        while True:
            text = self.log.read_text(encoding="utf-8", errors="replace")
            if until(text) or time.monotonic() > deadline:
                return text
            time.sleep(0.05)


@contextmanager
def live_server(
    dist_dir: Path,
    *,
    port: int | None = None,
    log: Path | None = None,
    timeout: float = 20.0,
    **env: str,
) -> Iterator[str]:
    """``python -m server`` serving ``dist_dir`` on ``port`` (a free one); yields its base URL.

    One worker process (``WEB_CONCURRENCY=1``) and the embedded store, unless ``env`` says
    otherwise: it adds or overrides environment variables (``DX_SPARQL_MAX_BODY_BYTES="1024"``,
    ``DX_STORE_URL=…`` for a remote store). The server's output (granian's access log too)
    goes to ``log``, else to a temporary file. Returns once ``/sparql?query=ASK{}`` answers;
    the server is stopped afterwards.

    :raises RuntimeError: the server exited or did not answer within ``timeout`` seconds.
    """
    with live_process(dist_dir, port=port, log=log, timeout=timeout, **env) as live:
        yield live.url


@contextmanager
def live_process(
    dist_dir: Path,
    *,
    port: int | None = None,
    log: Path | None = None,
    timeout: float = 20.0,
    **env: str,
) -> Iterator[Live]:
    """:func:`live_server`, yielding the process and log beside the URL."""
    port = free_port() if port is None else port
    inherited = {k: v for k, v in os.environ.items() if k != "DX_STORE_URL"}
    environ = {
        **inherited,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "DX_DIST_DIR": str(dist_dir),
        "DX_METRICS_PORT": "0",  # no fixed port: a test that scrapes gives a free one
        **env,
    }
    with tempfile.TemporaryDirectory(prefix="live-server-") as scratch:
        log_path = log if log is not None else Path(scratch) / "server.log"
        with log_path.open("wb") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "server"],
                cwd=ROOT,
                env=environ,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_answers(
                url + "/sparql?query=ASK{}",
                process,
                what="python -m server",
                timeout=timeout,
                detail=lambda: log_tail(log_path),
            )
            yield Live(url, process, log_path)
        finally:
            stop_process(process)


@contextmanager
def serve_app(app: Flask) -> Iterator[str]:
    """Serve ``app`` with werkzeug in a thread on a free port of 127.0.0.1; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
