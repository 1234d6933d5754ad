"""One error shape for every client: JSON for programs, HTML for browsers."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from server.store import StoreError

log = logging.getLogger(__name__)


class ApiError(Exception):
    """A request the server refuses, with the HTTP status and a readable reason."""

    def __init__(self, status: int, message: str, *, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def error_body(status: int, message: str) -> dict[str, object]:
    """The canonical JSON error body (datasette's shape)."""
    return {"ok": False, "error": message, "status": status}


def wants_html() -> bool:
    """True when the client prefers an HTML page to JSON."""
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html" and request.accept_mimetypes["text/html"] > 0


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """Render an error as HTML or JSON, whichever the client accepts."""
    if wants_html():
        try:
            html = render_template("error.html", status=status, message=message)
        except Exception:  # noqa: BLE001 - a missing template must not hide the real error
            html = f"<!doctype html><title>{status}</title><p>{status}</p>"
        response = Response(html, status=status, mimetype="text/html")
    else:
        response = jsonify(error_body(status, message))
        response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def register_error_handlers(app: Flask) -> None:
    """Map every error to a 4xx/5xx in the canonical shape; never a traceback."""

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        return error_response(exc.status, exc.message, exc.headers)

    @app.errorhandler(StoreError)
    def _store_error(exc: StoreError) -> Response:
        if exc.status >= 500:
            log.warning("store error: %s", exc.message)
        return error_response(exc.status, exc.message)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        return error_response(status, exc.description or exc.name)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unexpected error")
        return error_response(500, "internal server error / サーバー内部エラー")
