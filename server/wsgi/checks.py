"""Requests HTTP/1.1 forbids, refused before anything reads them (RFC 9110, RFC 9112).

granian (hyper) passes these on, and werkzeug would serve them as if they were fine:

- a method in lower case: methods are case-sensitive (RFC 9110 §9.1), so ``get`` is not
  GET: 405 with the methods that are allowed (a client's mistake, so a 4xx rather than
  501, which would count as the server's fault);
- an HTTP/1.1 request without a Host, or with two (RFC 9112 §3.2): 400;
- a body without Content-Length (chunked) to ``/sparql``, the one route that reads bodies
  (elsewhere a POST gets 405 unread): granian's WSGI reader ends a chunked body
  cut short as if it were whole, so the application cannot tell a truncated query from a
  complete one, and a truncated query must never run: 411 Length Required (RFC 9110
  §15.5.12); every SPARQL client we know sends Content-Length.

The answers are the site's JSON error body; this middleware wraps the whole app, the
response cache's fast path included.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

from server.errors import error_body

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


class RequestChecks:
    """WSGI middleware refusing the requests listed in this module's docstring."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, env: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        refused = problem(env)
        if refused is None:
            return self.app(env, start_response)
        status, message = refused
        body = json.dumps(error_body(status, message), ensure_ascii=False).encode()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        if status == 405:
            sparql = str(env.get("PATH_INFO", "")).startswith("/sparql")
            headers.append(
                ("Allow", "GET, HEAD, POST, OPTIONS" if sparql else "GET, HEAD, OPTIONS")
            )
        headers.append(("Connection", "close"))  # the rest of the stream cannot be trusted
        start_response(f"{status} {_REASONS[status]}", headers)
        return [body]


_REASONS = {400: "Bad Request", 405: "Method Not Allowed", 411: "Length Required"}


def problem(env: WSGIEnvironment) -> tuple[int, str] | None:
    """``(status, message)`` when the request must be refused, else None."""
    method = str(env.get("REQUEST_METHOD", ""))
    if method != method.upper():
        return 405, f"unknown method {method!r}: methods are case-sensitive / 未対応のメソッドです"
    if env.get("SERVER_PROTOCOL") == "HTTP/1.1":
        host = str(env.get("HTTP_HOST", ""))
        if not host or "," in host:
            return 400, "an HTTP/1.1 request needs exactly one Host / Host ヘッダーが不正です"
    chunked = "chunked" in str(env.get("HTTP_TRANSFER_ENCODING", "")).lower()
    reads_body = str(env.get("PATH_INFO", "")).startswith("/sparql")  # the one route that does
    if chunked and reads_body and not env.get("CONTENT_LENGTH"):
        return 411, "send the body with Content-Length / Content-Length を付けて送ってください"
    return None
