"""Every error the server knows, and the one place they become HTTP answers.

Stores and the SPARQL analyser raise errors that say what went wrong (:class:`StoreError`,
:class:`QueryError`); only :func:`status_of`, used by the handlers at the edge, decides the
HTTP status (oxigraph's ``loader_to_http_error`` shape). Views that refuse a request raise
:class:`ApiError` with its status. This module imports nothing else of ``server``; of the
converter, only its errors (an answer XML cannot carry, :class:`NotXmlText`, is a 406).
"""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from converter.errors import NotXmlText

log = logging.getLogger(__name__)


class ApiError(Exception):
    """A request the server refuses, with the HTTP status and a readable reason."""

    def __init__(self, status: int, message: str, *, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class ServerError(Exception):
    """Base of the errors below; ``message`` is readable by the person who sent the request.

    ``detail`` is for the server's log only (a remote store's address and its own words):
    the handler logs it and never sends it.
    """

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class ConfigError(ServerError):
    """A setting has a value the server cannot use; the message names the setting."""


class QueryError(ServerError):
    """The query cannot be answered as asked (the client's to fix)."""


class QuerySyntaxError(QueryError):
    """The text is not SPARQL 1.1, or not the query form the caller needs."""


class QueryRejected(QueryError):
    """The store refused the query (its syntax, a feature or function the store lacks)."""


class QueryRefused(QueryError):
    """A valid query this endpoint will not run: SERVICE, a foreign FROM graph, not a query."""


class UpdateRefused(QueryRefused):
    """SPARQL Update: the endpoint is read-only."""


class UnsupportedFormat(QueryError):
    """The answer cannot be written in the media type asked for."""


class StoreError(ServerError):
    """The store failed to answer (its fault or the network's)."""


class StoreUnavailable(StoreError):
    """The store cannot be reached, or cannot take the query now: come back in a few
    seconds (a restarted store answers again within that)."""

    retry_after = 5


class StoreBusy(StoreUnavailable):
    """Every query slot of this server process is taken: come back in a second."""

    retry_after = 1


class StoreTimeout(StoreError):
    """The store did not answer in time."""


class QueryStopped(StoreError):
    """The query was stopped at the time or memory limit."""


class QueryOutOfMemory(QueryStopped):
    """The query was stopped at the memory limit of its query worker."""


class BuildUnavailable(StoreError):
    """The published build cannot be loaded (missing or broken ``dist/``)."""


#: The HTTP status of each error class; the most specific class listed wins.
STATUS: dict[type[Exception], int] = {
    QuerySyntaxError: 400,
    UpdateRefused: 403,
    QueryRefused: 400,
    UnsupportedFormat: 406,
    NotXmlText: 406,
    QueryError: 400,
    StoreUnavailable: 503,
    QueryStopped: 503,
    StoreTimeout: 504,
    BuildUnavailable: 500,
    StoreError: 502,
}


def status_of(exc: BaseException) -> int:
    """The HTTP status an error is answered with."""
    if isinstance(exc, ApiError):
        return exc.status
    return next((STATUS[cls] for cls in type(exc).__mro__ if cls in STATUS), 500)


def error_body(status: int, message: str) -> dict[str, object]:
    """The canonical JSON error body (datasette's shape)."""
    return {"ok": False, "error": message, "status": status}


def wants_html() -> bool:
    """True when the client prefers an HTML page to JSON."""
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html" and request.accept_mimetypes["text/html"] > 0


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """Render an error as HTML or JSON, whichever the client accepts (so it varies on it)."""
    if wants_html():
        try:
            html = render_template("error.html", status=status, message=message)
        except Exception:  # noqa: BLE001 - a missing template must not hide the real error
            html = f"<!doctype html><title>{status}</title><p>{status}</p>"
        response = Response(html, status=status, mimetype="text/html")
    else:
        response = jsonify(error_body(status, message))
        response.status_code = status
    response.vary.add("Accept")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


#: Seconds between two identical log lines: a store that is down fails every request the
#: same way, and one line per request buried everything else in the log.
LOG_EVERY = 10.0
#: Distinct lines remembered (the oldest forgotten first).
LOG_REMEMBERED = 256
_logged: dict[str, tuple[float, int]] = {}  # line → (when last logged, lines held back)
_logged_lock = threading.Lock()


def _log_now_and_then(level: int, line: str) -> None:
    """Log ``line``, or count it if the same line was logged in the last
    :data:`LOG_EVERY` seconds; the next one logged says how many were held back."""
    now = time.monotonic()
    with _logged_lock:
        last, held = _logged.pop(line, (-LOG_EVERY, 0))
        if now - last < LOG_EVERY:
            _logged[line] = (last, held + 1)
            return
        _logged[line] = (now, 0)
        while len(_logged) > LOG_REMEMBERED:
            del _logged[next(iter(_logged))]
    log.log(level, "%s%s", line, f" (and {held} more like it)" if held else "")


def register_error_handlers(app: Flask) -> None:
    """Map every error to a 4xx/5xx in the canonical shape; never a traceback."""

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        return error_response(exc.status, exc.message, exc.headers)

    @app.errorhandler(ServerError)
    def _server_error(exc: ServerError) -> Response:
        status = status_of(exc)
        if exc.detail:  # what the client is not told
            level = logging.WARNING if status >= 500 else logging.INFO
            _log_now_and_then(level, f"{type(exc).__name__} ({status}): {exc.detail}")
        elif status >= 500:
            _log_now_and_then(logging.WARNING, f"{type(exc).__name__}: {exc.message}")
        retry = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(retry)} if retry is not None else None
        return error_response(status, exc.message, headers)

    @app.errorhandler(NotXmlText)
    def _not_xml(exc: NotXmlText) -> Response:
        return error_response(406, str(exc))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        # Keep what werkzeug says in headers: the Allow of a 405 (RFC 9110 requires it).
        kept = {k: v for k, v in exc.get_headers() if k.lower() not in ("content-type",)}
        return error_response(status, exc.description or exc.name, kept)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unexpected error")
        return error_response(500, "internal server error / サーバー内部エラー")
