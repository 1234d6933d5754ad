"""Requests by route, method and status, and their latency (server/metrics/families.py).

Outside the access log and the response cache's fast path, so that every answer counts,
the cached ones included. The route is the URL rule (``/id/<path:rest>``), not the URL: a
client cannot make up new label values; a request no rule matched counts as ``unmatched``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask import request

from server.metrics.families import LATENCY, METHODS, REQUESTS, ROUTE_KEY, UNMATCHED

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


class RequestMetrics:
    """WSGI middleware counting each request once it is answered."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        sent: list[str] = []

        def start(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> object:
            sent.append(status[:3])
            return start_response(status, headers, exc_info)  # type: ignore[arg-type]

        try:
            return self.app(environ, start)  # type: ignore[arg-type]
        finally:
            route = _route(environ)
            method = environ.get("REQUEST_METHOD", "")
            method = method if method in METHODS else "other"
            REQUESTS.labels(route, method, sent[-1] if sent else "500").inc()
            LATENCY.labels(route, method).observe(time.perf_counter() - started)


def _route(environ: WSGIEnvironment) -> str:
    """The URL rule the request matched, as the app or the fast path named it."""
    return str(environ.get(ROUTE_KEY) or UNMATCHED)


def name_route() -> None:
    """A Flask ``before_request`` hook telling :class:`RequestMetrics` which URL rule
    answers (register it first: a hook that answers, the response cache's, ends the rest)."""
    if request.url_rule is not None:
        request.environ[ROUTE_KEY] = request.url_rule.rule
