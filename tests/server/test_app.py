"""The factory: configuration from the environment and the build, fast start-up."""

from __future__ import annotations

import time

from converter.contract import DEFAULT_BASE_IRI
from server.app import create_app
from server.config import Settings
from tests.support.timing import within


def settings_of(app) -> Settings:  # type: ignore[no-untyped-def]
    return app.extensions["lod_settings"]  # type: ignore[no-any-return]


def test_env_configuration(monkeypatch, dist_dir) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DX_DIST_DIR", str(dist_dir))
    monkeypatch.delenv("DX_STORE_URL", raising=False)
    monkeypatch.delenv("DX_BASE_IRI", raising=False)
    started = time.perf_counter()
    app = create_app()
    assert time.perf_counter() - started < within(1.0), "start-up on a built dist/: goal < 1 s"
    assert settings_of(app).base_iri == DEFAULT_BASE_IRI  # read from manifest.json
    assert app.test_client().get("/id/kpi/2.ttl").status_code == 200


def test_base_iri_from_environment(monkeypatch, dist_dir, store) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DX_BASE_IRI", "https://example.org/dx")
    app = create_app({"DIST_DIR": str(dist_dir)}, store=store)
    assert settings_of(app).base_iri == "https://example.org/dx/"


def test_store_injection(app, store) -> None:  # type: ignore[no-untyped-def]
    assert app.extensions["lod_store"] is store


def test_server_main_module_exists() -> None:
    import server.__main__ as main

    assert callable(main.main)
