"""Shared fixtures: one real build of the seed table, and the app on each kind of store.

Every server test that uses ``store``, ``app`` or ``client`` runs twice: on the embedded
Oxigraph store and on a real ``oxigraph serve`` reached over HTTP (SPARQL 1.1 Protocol).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PUBLICATION = ROOT / "data" / "publication.toml"
CONFORMANCE = ROOT.parent / "shared" / "conformance"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite the expected output of the golden cases (tests/golden/<case>/expected.nq) "
        "from what the converter builds now; review the diff before committing it",
    )


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when pytest runs with ``--update-golden``."""
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def dist_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete, validated build of the real table (built once per test session)."""
    from converter.build import build

    out = tmp_path_factory.mktemp("dist")
    build(PUBLICATION, out)
    return out


@pytest.fixture(scope="session")
def local_store(dist_dir: Path):  # type: ignore[no-untyped-def]
    from server.stores.local import LocalStore

    return LocalStore.from_build(dist_dir)


@pytest.fixture(scope="session")
def remote_store(dist_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A real ``oxigraph serve`` on 127.0.0.1, filled by our own ``publish``."""
    from converter.publish import publish
    from server.stores.remote import RemoteStore
    from tests.support.oxigraph_server import OxigraphServer

    with OxigraphServer(tmp_path_factory.mktemp("oxigraph")) as server:
        publish(dist_dir, store_url=server.store_url, query_url=server.query_url)
        yield RemoteStore(server.query_url)


@pytest.fixture(params=["local", "remote"])
def store(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    if request.param == "remote":
        return request.getfixturevalue("remote_store")
    return request.getfixturevalue("local_store")


@pytest.fixture
def app(store, dist_dir: Path):  # type: ignore[no-untyped-def]
    from server.app import create_app

    app = create_app({"TESTING": True, "DIST_DIR": str(dist_dir)}, store=store)
    return app


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()
