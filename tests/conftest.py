"""Shared fixtures: one real build of the seed table, the app on each kind of store, and the
builds the page tests read (two editions, hostile data).

Every server test that uses ``store``, ``app`` or ``client`` runs twice: on the embedded
Oxigraph store and on a real ``oxigraph serve`` reached over HTTP (SPARQL 1.1 Protocol).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fakedist import write_page_dist

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


@pytest.fixture(scope="session")
def evil_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build whose data holds markup and script in literals and in an IRI."""
    evil = """
    @prefix dx: <https://data.pref.fukushima.lg.jp/dx/ontology#> .
    @prefix schema: <http://schema.org/> .
    @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    <https://data.pref.fukushima.lg.jp/dx/graph/fy2023> {
      <https://data.pref.fukushima.lg.jp/dx/id/project/fy2023/666> a dx:Project ;
        schema:name "<script>alert('x')</script>"@ja ;
        rdfs:label "<img src=x onerror=alert(1)>"@ja ;
        schema:description "\\"><script>alert(2)</script>" ;
        rdfs:seeAlso <javascript:alert(3)> ;
        dx:department <https://data.pref.fukushima.lg.jp/dx/id/org/somu-bu> .
      <https://data.pref.fukushima.lg.jp/dx/id/kpi/2> rdfs:label "</title><script>alert(4)</script>"@en .
    }
    """
    return write_page_dist(tmp_path_factory.mktemp("evil"), extra_trig=evil)


@pytest.fixture
def evil_client(evil_dist: Path):  # type: ignore[no-untyped-def]
    from server.app import create_app
    from server.stores.local import LocalStore

    app = create_app(
        {"TESTING": True, "DIST_DIR": str(evil_dist)}, store=LocalStore.from_build(evil_dist)
    )
    return app.test_client()


@pytest.fixture(scope="session")
def artifacts() -> Iterator[Path]:
    """``test-artifacts/`` (git-ignored) for screenshots."""
    path = ROOT / "test-artifacts"
    path.mkdir(exist_ok=True)
    yield path


@pytest.fixture(scope="session")
def two_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """FY2023 (real) + the fictional FY2024 test edition (tests/fixtures/fy2024), built once."""
    from tests.fixtures.fy2024 import build_two_editions

    out = tmp_path_factory.mktemp("two-editions")
    build_two_editions(out)
    return out


@pytest.fixture(scope="session")
def two_remote_store(two_dist: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The two-edition build in a real ``oxigraph serve``, filled by our own ``publish``."""
    from converter.publish import publish
    from server.stores.remote import RemoteStore
    from tests.support.oxigraph_server import OxigraphServer

    with OxigraphServer(tmp_path_factory.mktemp("oxigraph-two")) as server:
        publish(two_dist, store_url=server.store_url, query_url=server.query_url)
        yield RemoteStore(server.query_url)


@pytest.fixture(scope="session")
def two_local_store(two_dist: Path):  # type: ignore[no-untyped-def]
    from server.stores.local import LocalStore

    return LocalStore.from_build(two_dist)


@pytest.fixture(params=["local", "remote"])
def two_client(request: pytest.FixtureRequest, two_dist: Path):  # type: ignore[no-untyped-def]
    """A test client of the app on the two-edition build, on each kind of store."""
    from server.app import create_app

    store = request.getfixturevalue(f"two_{request.param}_store")
    app = create_app({"TESTING": True, "DIST_DIR": str(two_dist)}, store=store)
    return app.test_client()
