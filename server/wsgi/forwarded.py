"""The client's scheme and address as the configured reverse proxy saw them.

Behind nginx every request comes from 127.0.0.1 over plain HTTP. nginx says what it saw in
``X-Forwarded-Proto`` and ``X-Forwarded-For`` (deploy/nginx/dx-lod.conf); those headers are
believed only from the proxies named in ``DX_FORWARDED_ALLOW_IPS`` (gunicorn's and uvicorn's
``forwarded_allow_ips``), since anyone else can send them. ``Host`` and
``X-Forwarded-Host`` are never believed: absolute URLs come from ``DX_PUBLIC_URL``.

What depends on them: ``request.is_secure`` (the language cookie is ``Secure`` over HTTPS)
and the address in the access log.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

_SCHEMES = frozenset({"http", "https"})


class TrustedProxy:
    """WSGI middleware applying ``X-Forwarded-Proto`` and ``-For`` from trusted proxies."""

    def __init__(self, app: WSGIApplication, trusted: frozenset[str]) -> None:
        self.app = app
        self.trusted = trusted

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REMOTE_ADDR") in self.trusted:
            proto = _last(environ.get("HTTP_X_FORWARDED_PROTO")).lower()
            if proto in _SCHEMES:
                environ["wsgi.url_scheme"] = proto
            client = _last(environ.get("HTTP_X_FORWARDED_FOR"))
            if client:
                environ["REMOTE_ADDR"] = client
        return self.app(environ, start_response)


def _last(value: object) -> str:
    """The value the nearest proxy added (a list grows left to right, one hop each)."""
    return str(value or "").rsplit(",", 1)[-1].strip()
