"""The real server as ``make run`` starts it (two processes), on each kind of store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.live_server import Live, live_process
from tests.support.oxigraph_server import OxigraphServer

STORES = ["embedded", "oxigraph"]


@pytest.fixture(scope="session")
def oxigraph(dist_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    """A real ``oxigraph serve`` holding the build, published by our own ``publish``."""
    from converter.publish import publish

    with OxigraphServer(tmp_path_factory.mktemp("harden-oxigraph") / "store") as server:
        publish(dist_dir, store_url=server.store_url, query_url=server.query_url)
        yield server


def store_env(kind: str, request: pytest.FixtureRequest) -> dict[str, str]:
    """The environment that points ``python -m server`` at the store ``kind``."""
    if kind == "oxigraph":
        server = request.getfixturevalue("oxigraph")
        assert isinstance(server, OxigraphServer)
        return {"DX_STORE_URL": server.query_url}
    return {}


@pytest.fixture(params=STORES)
def deployed(
    request: pytest.FixtureRequest, dist_dir: Path, tmp_path: Path
) -> Iterator[tuple[str, Live]]:
    """``python -m server`` with the defaults of ``make run`` (``WEB_CONCURRENCY=2``)."""
    kind = str(request.param)
    env = {"WEB_CONCURRENCY": "2", **store_env(kind, request)}
    with live_process(dist_dir, log=tmp_path / "server.log", **env) as live:
        yield kind, live
