"""Fixtures for /sparql: a minimal Flask app holding only the SPARQL blueprint.

These tests build ``Flask(__name__)`` + ``register_error_handlers`` +
``create_sparql_blueprint`` themselves, so the endpoint is tested apart from the pages. The default store is
the W3C protocol suite's data (data1/2/3.nt, each in the named graph its manifest names).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from server.config import Settings
from server.errors import register_error_handlers
from server.sparql.endpoint import SparqlBlueprint, create_sparql_blueprint
from server.stores.base import Store
from server.stores.local import LocalStore
from tests.support.live_server import serve_app

ROOT = Path(__file__).resolve().parents[2]
PROTOCOL_DIR = ROOT.parent / "shared" / "conformance" / "w3c-rdf-tests" / "sparql11-protocol"
KASEI = "http://kasei.us/2009/09/sparql/data/"
#: Short limits so that the time-limit tests stay fast.
TEST_SETTINGS = {"SPARQL_TIMEOUT": 2.0, "SPARQL_WORKERS": 2, "SPARQL_CACHE_SIZE": 0}


def protocol_graphs() -> dict[str, Path]:
    return {f"{KASEI}data{n}.rdf": PROTOCOL_DIR / f"data{n}.nt" for n in (1, 2, 3)}


@contextmanager
def sparql_app(store: Store, **settings: object) -> Iterator[tuple[Flask, SparqlBlueprint]]:
    """A Flask app with only /sparql over ``store``; its query workers stop afterwards."""
    app = Flask(__name__)
    app.config["TESTING"] = True
    register_error_handlers(app)
    blueprint = create_sparql_blueprint(store, Settings.load({**TEST_SETTINGS, **settings}))
    app.register_blueprint(blueprint)
    try:
        yield app, blueprint
    finally:
        blueprint.close()


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Serve ``app`` over real HTTP on 127.0.0.1 (free port); yields the /sparql URL."""
    with serve_app(app) as url:
        yield url + "/sparql"


@pytest.fixture(scope="session")
def protocol_store() -> LocalStore:
    return LocalStore.from_files(protocol_graphs())


@pytest.fixture(scope="module")
def sparql(protocol_store: LocalStore) -> Iterator[tuple[Flask, SparqlBlueprint]]:
    with sparql_app(protocol_store) as pair:
        yield pair


@pytest.fixture
def client(sparql: tuple[Flask, SparqlBlueprint]) -> FlaskClient:
    return sparql[0].test_client()
