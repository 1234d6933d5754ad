"""Flask application factory (flaskr shape): configuration, store, blueprints, headers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, Request, Response, request
from werkzeug.routing import Rule

from converter.contract import DEFAULT_BASE_IRI, MANIFEST_NAME, Manifest, ManifestMissing
from server import caching
from server.config import Settings
from server.errors import StoreError, register_error_handlers
from server.metrics import exporter
from server.negotiation import add_vary
from server.sparql.endpoint import create_sparql_blueprint
from server.stores.base import Store
from server.stores.factory import store_from_settings
from server.web import TEMPLATES, health, register_features
from server.web.common import i18n
from server.web.common.context import Context
from server.web.health.version import Code
from server.web.openapi import Description
from server.wsgi.release_switch import switched_app
from server.wsgi.request_metrics import name_route
from server.wsgi.stack import wsgi_stack

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

log = logging.getLogger(__name__)

#: Pages may load only our own static files; inline SVG needs no script or style source.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
#: Response headers a script on any origin may read (/sparql adds its X-SPARQL-* ones).
CORS_EXPOSE = ("ETag", "Last-Modified", "Content-Location", "Link")
#: What a preflight may ask for on the read-only resources (/sparql answers its own).
CORS_METHODS = "GET, HEAD, OPTIONS"
CORS_HEADERS = "Accept, Accept-Language, If-None-Match, If-Modified-Since"


def _local_manifest(settings: Settings) -> Manifest | None:
    """The served build's manifest; None when there is no local build (a remote store).

    :raises ManifestError: the build's manifest is broken.
    """
    try:
        return Manifest.read(Path(settings.dist_dir))
    except ManifestMissing:
        return None


def _base_iri(settings: Settings, manifest: Manifest | None) -> str:
    """An explicit setting wins; otherwise the build says which base its IRIs use."""
    explicit, built = settings.base_iri, manifest.base_iri if manifest else None
    if explicit and built and explicit.rstrip("/") != built.rstrip("/"):
        log.warning("DX_BASE_IRI %s differs from the build's base_iri %s", explicit, built)
    base = explicit or built or DEFAULT_BASE_IRI
    return base if base.endswith("/") else base + "/"


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if (response.mimetype or "") == "text/html":
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def _relative_location(response: Response) -> Response:
    """A redirect names its target by path (RFC 9110 §10.2.2 allows a relative reference).

    werkzeug writes the trailing-slash redirects (``/download`` → ``/download/``) with the
    request's scheme and ``Host``: a client could choose the host, and behind a TLS proxy
    the scheme and port would be wrong. The path alone is right wherever the reader is.
    """
    location = response.headers.get("Location")
    if location and response.status_code in (301, 302, 303, 307, 308):
        target = urlsplit(location)
        if target.scheme or target.netloc:
            path = "/" + target.path.lstrip("/")  # never "//host": that names another site
            response.headers["Location"] = urlunsplit(("", "", path, target.query, ""))
    return response


def _cors(response: Response) -> Response:
    """Every answer is public read-only data: any origin may read it, errors included.

    No credentials: the site's only cookie is the language, not needed cross-origin.
    Runs after the blueprints' hooks, so /sparql's own methods and headers are kept and
    its exposed headers are extended, not replaced. A preflight (OPTIONS) answers 204.
    """
    headers = response.headers
    headers["Access-Control-Allow-Origin"] = "*"
    exposed = [h.strip() for h in headers.get("Access-Control-Expose-Headers", "").split(",")]
    exposed = [h for h in exposed if h]
    known = {h.lower() for h in exposed}
    exposed += [h for h in CORS_EXPOSE if h.lower() not in known]
    headers["Access-Control-Expose-Headers"] = ", ".join(exposed)
    if request.method == "OPTIONS":
        headers.setdefault("Access-Control-Allow-Methods", CORS_METHODS)
        headers.setdefault("Access-Control-Allow-Headers", CORS_HEADERS)
        headers.setdefault("Access-Control-Max-Age", "86400")
        if response.status_code == 200:  # Flask's automatic OPTIONS answer (no body)
            response.status_code = 204
    return response


def _build_time(settings: Settings) -> datetime:
    """When the served build was made: its manifest's mtime, else now (the app's start)."""
    manifest = Path(settings.dist_dir) / MANIFEST_NAME
    try:
        stamp = datetime.fromtimestamp(manifest.stat().st_mtime, tz=UTC)
    except OSError:
        stamp = datetime.now(UTC)
    return stamp.replace(microsecond=0)  # HTTP dates have whole seconds


def _init_caching(
    app: Flask, settings: Settings, store: Store, params: Callable[[Request], frozenset[str]]
) -> Callable[[WSGIApplication], WSGIApplication] | None:
    """Validators and freshness on every answer, and a response cache: an answer is kept
    while the data's digest is the one it was rendered under (the embedded build's never
    changes; a remote store's register states its build's, read again every
    ``DX_STORE_GRAPHS_TTL``), else for that TTL. ``params`` names the query parameters a
    request's route documents. Returns the cache's fast path for the WSGI stack."""
    version = caching.DataVersion(store.data_version)
    validators = caching.Validators(version, _build_time(settings), settings.cache_max_age)
    size = settings.response_cache_mb * 1024 * 1024
    cache = (
        caching.ResponseCache(
            size,
            settings.store_graphs_ttl,
            version=version,
            max_entries=settings.response_cache_entries,
            cookies=(i18n.COOKIE,),
        )
        if size > 0
        else None
    )
    return caching.init_app(
        app, validators, cache, params=params, mark_hits=settings.response_cache_header
    )


def create_served_app() -> WSGIApplication:
    """The app as ``python -m server`` serves it: :func:`create_app` with the access log
    and the metrics' port; over a release link (``DX_DIST_DIR`` a symlink) the live release
    switch."""
    settings = Settings.load()
    if settings.metrics_port:
        exporter.serve_in_background(settings.metrics_host, settings.metrics_port)
    if not Path(settings.dist_dir).is_symlink():
        return _measured(create_app(access_log=True))
    return switched_app(
        Path(settings.dist_dir),
        lambda dist: _measured(create_app({"DIST_DIR": str(dist)})),
        interval=settings.release_check_interval,
        grace=settings.release_grace,
    )


def _measured(app: Flask) -> Flask:
    """``app``, now the one ``dx_build_info`` tells of (the newest release's)."""
    exporter.BUILD.provide(
        _build_labels(app.extensions["lod_store"], app.extensions["lod_settings"])
    )
    return app


def create_app(
    config: dict[str, Any] | None = None, *, store: Store | None = None, access_log: bool = False
) -> Flask:
    """Build the application; ``store`` overrides the one the settings describe.

    ``config`` holds Flask settings (``TESTING``) and overrides of :class:`Settings`
    (``{"DIST_DIR": …, "SPARQL_TIMEOUT": 2}``); everything else comes from the environment.

    :raises ConfigError: a setting has a value the server cannot use.
    :raises ManifestError: the build's manifest is broken.
    :raises StoreError: no store was given and the configured one cannot be opened.
    """
    settings = Settings.load(config)
    manifest = _local_manifest(settings)
    settings = replace(settings, base_iri=_base_iri(settings, manifest))
    app = Flask(__name__, template_folder=str(TEMPLATES))
    app.config.from_mapping(JSON_AS_ASCII=False, **(config or {}))
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Japanese messages stay readable
    store = store if store is not None else store_from_settings(settings)
    app.extensions.update(lod_settings=settings, lod_store=store)
    register_error_handlers(app)
    app.before_request(name_route)  # first: a cache hit returns before later hooks
    # after_request hooks run in reverse: caching goes first so that it runs last and keys,
    # validates and stores each answer with its final headers (Vary included); Vary is
    # written after every hook that may read a header (the language's included).
    described: list[Description] = []
    fast_path = _init_caching(
        app, settings, store, lambda req: _documented(described, req.url_rule)
    )
    app.after_request(add_vary)
    sparql = create_sparql_blueprint(store, settings, layout="base.html")
    app.register_blueprint(sparql)
    context = Context(store, settings, manifest, Path(settings.dist_dir))
    described.append(register_features(app, context))
    app.after_request(_relative_location)
    app.after_request(_security_headers)
    app.after_request(_cors)
    app.wsgi_app = wsgi_stack(  # type: ignore[method-assign,assignment]
        app.wsgi_app,
        trusted_proxies=settings.trusted_proxies,
        fast_path=fast_path,
        access_log=access_log,
        quiet=frozenset() if settings.access_log_health else health.PATHS,
    )

    @app.get("/favicon.ico")
    def _favicon() -> Response:
        # Read, not streamed: a tiny file, and no open handle left behind.
        icon = Path(app.static_folder or "static") / "favicon.svg"
        return Response(icon.read_bytes(), mimetype="image/svg+xml")

    return app


def _build_labels(store: Store, settings: Settings) -> Callable[[], dict[str, str]]:
    """``dx_build_info``'s labels: the code's version and commit, the data's digest now."""
    code = Code.running(settings.source_commit)

    def labels() -> dict[str, str]:
        try:
            digest = store.data_version() or ""
        except StoreError:
            digest = ""
        return {"version": code.version, "commit": code.commit or "", "digest": digest}

    return labels


def _documented(described: list[Description], rule: Rule | None) -> frozenset[str]:
    """The query parameters ``rule`` documents (none for an unknown route)."""
    return described[0].query_parameters(rule) if described and rule is not None else frozenset()
