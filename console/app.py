"""The staff console's Flask application factory (flaskr shape), apart from the public server.

The public server never imports this package (an import-linter contract) and stays
read-only; the console writes releases, and the server only follows the ``current`` link
(:mod:`server.wsgi.release_switch`).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask import Flask, Response, g, render_template, request
from werkzeug.exceptions import HTTPException

from console.accounts import ROLE_LABELS
from console.config import ConsoleSettings
from console.service import Console
from console.source import JST
from console.web import guard, register_blueprints
from console.web.guard import ApiRefusal, may_preview
from console.wsgi import console_stack
from server.metrics import exporter
from server.web.health.version import Code
from server.wsgi.request_metrics import name_route

log = logging.getLogger(__name__)

#: No script at all: the console works without JavaScript, so none may run.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'none'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
#: Room for the form's other fields and the multipart framing beside the file.
FORM_SLACK = 64 * 1024
_TITLES = {
    400: ("受け付けられません", "Bad request"),
    403: ("権限がありません", "Forbidden"),
    404: ("見つかりません", "Not found"),
    405: ("この方法では使えません", "Method not allowed"),
    413: ("ファイルが大きすぎます", "Too large"),
    500: ("内部エラー", "Internal error"),
}


def create_console_app(config: dict[str, Any] | None = None, *, served: bool = False) -> Flask:
    """Build the console; ``config`` holds Flask settings (``TESTING``) and overrides of
    :class:`ConsoleSettings` (``{"RELEASES_DIR": …}``); the rest comes from the environment.

    :raises ConsoleConfigError: a setting has a value the console cannot use.
    """
    settings = ConsoleSettings.load(config)
    svc = Console.open(settings)
    app = Flask(__name__)
    app.config.from_mapping(
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + FORM_SLACK,
        JSON_AS_ASCII=False,
        **(config or {}),
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["console"] = svc
    app.before_request(name_route)  # first: the guard's hooks may answer
    guard.init_app(app)
    register_blueprints(app)
    _register_errors(app, settings)
    app.after_request(_headers)
    app.jinja_env.globals.update(
        csrf_token=lambda: g.get("csrf", ""),
        role_label=lambda role: ROLE_LABELS.get(role, role),
        site_url=settings.console_site_url,
    )
    app.jinja_env.filters["jst"] = jst

    app.wsgi_app = console_stack(  # type: ignore[method-assign,assignment]
        app.wsgi_app,
        svc.previews,
        lambda environ: may_preview(svc, environ),
        trusted_proxies=settings.trusted_proxies,
        access_log=served,
    )
    return app


def jst(stamp: str | None) -> str:
    """An ISO time of the records (UTC) as the staff read it: ``2026-12-08 04:05 JST``."""
    if not stamp:
        return "—"
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    return moment.astimezone(JST).strftime("%Y-%m-%d %H:%M JST")


def _headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Cache-Control", "no-store")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if (response.mimetype or "") == "text/html":
        headers.setdefault("Content-Security-Policy", CSP)
    return response


def _register_errors(app: Flask, settings: ConsoleSettings) -> None:
    from console.candidates import too_large
    from console.web.api import error_body

    @app.errorhandler(ApiRefusal)
    def _api(error: ApiRefusal) -> Response:
        return error_body(error.status, str(error))

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Any:
        status = error.code or 500
        message = error.description or ""
        if status == 413:
            message = too_large(settings.max_upload_bytes)
        if request.path.startswith("/api/"):
            return error_body(status, message)
        ja, en = _TITLES.get(status, ("エラー", "Error"))
        page = render_template(
            "console/error.html", code=status, title_ja=ja, title_en=en, message=message
        )
        return page, status

    @app.errorhandler(Exception)
    def _internal(error: Exception) -> Any:
        log.exception("console: internal error")
        message = "内部エラーです（記録しました） / internal error (logged)"
        if request.path.startswith("/api/"):
            return error_body(500, message)
        return render_template(
            "console/error.html",
            code=500,
            title_ja="内部エラー",
            title_en="Internal error",
            message=message,
        ), 500


def create_served_console() -> Flask:
    """The console as ``python -m console`` serves it (with the access log and the metrics'
    port)."""
    settings = ConsoleSettings.load()
    if settings.metrics_port:
        exporter.serve_in_background(settings.metrics_host, settings.metrics_port)
    code = Code.running(None)
    exporter.BUILD.provide(lambda: {"version": code.version, "commit": code.commit or ""})
    return create_console_app(served=True)
