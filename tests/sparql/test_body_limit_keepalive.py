"""Issue 9: a 413 for an oversized POST must not break the client's keep-alive connection.

Against the real server (as ``python -m server`` runs it) and a real client: gunicorn
gthread, which served the site then, drained only 64 KiB of a body the application left
unread and then closed the connection it had just announced as ``keep-alive``, so the next
request on it failed with ``RemoteDisconnected``. The server draining the body itself keeps
that right under any WSGI server.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask.testing import FlaskClient

from server.sparql.protocol import DRAIN_MAX_BYTES
from tests.support.live_server import live_server
from tests.support.timing import within

MAX_BODY = 1024


@pytest.fixture
def server_url(dist_dir: Path) -> Iterator[str]:
    """The real server on a free port, with a 1 KiB body limit; stopped afterwards."""
    with live_server(dist_dir, DX_THREADS="2", DX_SPARQL_MAX_BODY_BYTES=str(MAX_BODY)) as url:
        yield url


@pytest.mark.slow  # starts the real server (a few seconds); no marker says "real server"
def test_413_keeps_the_keep_alive_connection_usable(server_url: str) -> None:
    body = b"#" * (2 * 1024 * 1024)
    started = time.monotonic()
    with requests.Session() as session:
        for _ in range(10):
            refused = session.post(
                server_url + "/sparql",
                data=body,
                headers={"Content-Type": "application/sparql-query"},
                timeout=5,
            )
            assert refused.status_code == 413
            assert refused.json()["status"] == 413
            answer = session.get(
                server_url + "/sparql",
                params={"query": "ASK {}"},
                headers={"Accept": "application/sparql-results+json"},
                timeout=5,
            )
            assert answer.status_code == 200
            assert answer.json()["boolean"] is True
    assert time.monotonic() - started < within(10.0)


def test_a_refused_body_is_drained_when_small_enough(client: FlaskClient) -> None:
    # The test app's limit is the default 512 KiB; 1 MiB is refused, then read and dropped.
    response = client.post(
        "/sparql", data=b"#" * (1024 * 1024), content_type="application/sparql-query"
    )
    assert response.status_code == 413
    assert "close" not in response.headers.get("Connection", "")


def test_a_body_too_big_to_drain_asks_to_close(client: FlaskClient) -> None:
    response = client.post(
        "/sparql", data=b"#" * (DRAIN_MAX_BYTES + 1), content_type="application/sparql-query"
    )
    assert response.status_code == 413
    assert response.headers["Connection"] == "close"
