"""Flask application factory (flaskr shape): configuration, store, blueprints, headers."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any, cast

from flask import Flask, Response, current_app, request

from server import i18n, linking
from server.errors import register_error_handlers
from server.store import Store, store_from_config

log = logging.getLogger(__name__)

DEFAULT_BASE_IRI = "https://data.pref.fukushima.lg.jp/dx/"

#: Pages may load only our own static files; inline SVG needs no script or style source.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def load_manifest(dist_dir: Path) -> dict[str, Any]:
    """The build's ``manifest.json``, or ``{}`` when the server runs without a local build."""
    try:
        return cast(dict[str, Any], json.loads((dist_dir / "manifest.json").read_text("utf-8")))
    except (OSError, ValueError):
        return {}


def _configure(app: Flask, config: dict[str, Any] | None) -> None:
    app.config.from_mapping(
        DIST_DIR=os.environ.get("DX_DIST_DIR", "dist"),
        STORE_URL=os.environ.get("DX_STORE_URL") or None,
        JSON_AS_ASCII=False,
    )
    if config:
        app.config.from_mapping(config)
    dist = Path(app.config["DIST_DIR"])
    manifest = load_manifest(dist)
    app.config["MANIFEST"] = manifest
    # An explicit setting wins; otherwise the build says which base its IRIs use.
    explicit = app.config.get("BASE_IRI") or os.environ.get("DX_BASE_IRI")
    built = manifest.get("base_iri")
    if explicit and built and explicit != built:
        log.warning("DX_BASE_IRI %s differs from the build's base_iri %s", explicit, built)
    base = str(explicit or built or DEFAULT_BASE_IRI)
    app.config["BASE_IRI"] = base if base.endswith("/") else base + "/"
    # Names other modules (store_from_config) may look for.
    app.config.setdefault("SPARQL_ENDPOINT", app.config["STORE_URL"])


def _make_store(app: Flask) -> Store:
    return cast(Store, store_from_config(app.config))


def get_store() -> Store:
    """The store of the running app (flaskr's ``get_db()``)."""
    return cast(Store, current_app.extensions["lod_store"])


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if (response.mimetype or "") == "text/html":
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def _remember_lang(response: Response) -> Response:
    """:func:`i18n.remember_lang`, skipped when it cannot change the response.

    It parses the whole query string (``request.args``) to look for ``lang``; on /sparql
    that is a long percent-encoded query on every request, for nothing. It only acts on
    HTML responses or when a parameter may be named ``lang``.
    """
    if "text/html" in (response.content_type or "") or _may_name_lang(request.query_string):
        return i18n.remember_lang(response)
    return response


def _may_name_lang(query_string: bytes) -> bool:
    # A parameter name decodes to "lang" only if it is spelt so or is percent-encoded.
    return b"lang" in query_string or any(
        b"%" in part.partition(b"=")[0] for part in query_string.split(b"&")
    )


def _register_blueprints(app: Flask, store: Store) -> None:
    from server.catalog import create_catalog_blueprint
    from server.downloads import create_downloads_blueprint
    from server.pages import create_pages_blueprint
    from server.resources import create_resources_blueprint
    from server.sparql import create_sparql_blueprint

    app.register_blueprint(create_pages_blueprint(store))
    app.register_blueprint(create_downloads_blueprint(app.config))
    app.register_blueprint(create_catalog_blueprint(store))
    app.register_blueprint(create_resources_blueprint(store))
    app.register_blueprint(create_sparql_blueprint(store, app.config))


def create_app(config: dict[str, Any] | None = None, *, store: Store | None = None) -> Flask:
    """Build the application; ``store`` overrides the one the configuration describes.

    :raises StoreError: no store was given and the configured one cannot be opened.
    """
    app = Flask(__name__)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Japanese messages stay readable
    _configure(app, config)
    store = store if store is not None else _make_store(app)
    app.extensions["lod_store"] = store
    register_error_handlers(app)
    linking.init_app(app)
    app.jinja_env.globals.update(t=i18n.t, lang=i18n.current_lang)
    app.after_request(_remember_lang)
    app.after_request(_security_headers)
    _register_blueprints(app, store)

    @app.get("/favicon.ico")
    def _favicon() -> Response:
        # Read, not streamed: a tiny file, and no open handle left behind.
        icon = Path(app.static_folder or "static") / "favicon.svg"
        return Response(icon.read_bytes(), mimetype="image/svg+xml")

    return app
