"""The console's WSGI stack, built in one place (outside in): the ``Server`` header, the
trusted proxy's scheme and address (:class:`server.wsgi.forwarded.TrustedProxy`: the
session cookie is ``Secure`` behind TLS), the request metrics, the access log
(``python -m console`` only), bodies without ``Content-Length`` refused, the preview mount,
and Flask."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING
from urllib.parse import quote

from console.preview import PreviewMount, Previews
from server.wsgi.access_log import AccessLog
from server.wsgi.forwarded import TrustedProxy
from server.wsgi.request_metrics import RequestMetrics
from server.wsgi.stack import ServerHeader

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


class LengthRequired:
    """A body must say its length: granian ends a chunked body cut short as if it were
    whole, and a table cut at a row boundary still reads as a table (411). (A request
    with neither header has no body.)"""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if "chunked" in str(environ.get("HTTP_TRANSFER_ENCODING", "")).lower():
            message = "本文の長さ（Content-Length）が必要です / a body needs a Content-Length"
            body = json.dumps({"ok": False, "error": message, "status": 411}).encode()
            start_response(
                "411 Length Required",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return self.app(environ, start_response)


def to_login(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """What a preview answers without a session: the sign-in page, then back here (an API
    client gets 401)."""
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    if str(environ.get("HTTP_AUTHORIZATION", "")).lower().startswith("bearer "):
        body = json.dumps({"ok": False, "error": "invalid bearer token", "status": 401}).encode()
        start_response(
            "401 Unauthorized",
            [("Content-Type", "application/json"), ("WWW-Authenticate", "Bearer")],
        )
        return [body]
    start_response(
        "303 See Other",
        [
            ("Location", "/login?next=" + quote(path.encode("latin-1"), safe="/")),
            ("Content-Length", "0"),
        ],
    )
    return [b""]


def console_stack(
    app: WSGIApplication,
    previews: Previews,
    allowed: Callable[[WSGIEnvironment], bool],
    *,
    trusted_proxies: frozenset[str],
    access_log: bool,
) -> WSGIApplication:
    stack: WSGIApplication = PreviewMount(app, previews, allowed, to_login)
    stack = LengthRequired(stack)
    if access_log:
        stack = AccessLog(stack)
    stack = RequestMetrics(stack)
    stack = TrustedProxy(stack, trusted_proxies)
    return ServerHeader(stack)
