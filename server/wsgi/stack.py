"""The WSGI stack around the Flask app, built in one place (datasette's ``app()`` shape).

From the outside in: the ``Server`` header (``dx-lod``, no product or version), the trusted
proxy's scheme and client address, the request metrics, the access log (``python -m server``
only), the request checks (nothing may answer a request HTTP/1.1 forbids), the response
cache's fast path, and Flask.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from server.wsgi.access_log import AccessLog
from server.wsgi.checks import RequestChecks
from server.wsgi.forwarded import TrustedProxy
from server.wsgi.request_metrics import RequestMetrics

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

#: What every answer says of the server: the name only (granian's own says "granian").
SERVER = "dx-lod"


class ServerHeader:
    """WSGI middleware setting ``Server`` on every answer (granian keeps an app's own)."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> object:
            kept = [(k, v) for k, v in headers if k.lower() != "server"]
            return start_response(status, [*kept, ("Server", SERVER)], exc_info)  # type: ignore[arg-type]

        return self.app(environ, start)  # type: ignore[arg-type]


def wsgi_stack(
    app: WSGIApplication,
    *,
    trusted_proxies: frozenset[str],
    fast_path: Callable[[WSGIApplication], WSGIApplication] | None = None,
    access_log: bool = False,
    quiet: frozenset[str] = frozenset(),
) -> WSGIApplication:
    """``app`` (Flask's own ``wsgi_app``) inside the middlewares, innermost first.

    ``fast_path``: a factory wrapping ``app`` in the response cache's fast path, if any;
    ``quiet``: paths the access log leaves out.
    """
    stack = fast_path(app) if fast_path is not None else app
    stack = RequestChecks(stack)
    if access_log:
        stack = AccessLog(stack, quiet=quiet)
    stack = RequestMetrics(stack)
    stack = TrustedProxy(stack, trusted_proxies)
    return ServerHeader(stack)
