"""The response cache's fast path: a plain repeated GET or HEAD answered before Flask."""

from __future__ import annotations

from collections.abc import Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING

from werkzeug.http import parse_etags, remove_entity_headers, unquote_etag

from server.caching.response_cache import Entry, ResponseCache, wsgi_name
from server.metrics.families import CACHE, ROUTE_KEY

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


#: Request headers that make an answer differ from the stored one (conditions other than a
#: plain revalidation, ranges): such requests go through Flask's hooks, as does a ``lang=``
#: in the query (it may set a cookie).
_NOT_PLAIN = tuple(
    wsgi_name(h) for h in ("If-Modified-Since", "If-Match", "If-Unmodified-Since", "Range")
)
_IF_NONE_MATCH = wsgi_name("If-None-Match")


class FastPath:
    """WSGI middleware: a plain GET or HEAD whose answer is cached is answered before Flask.

    A cached answer already carries every header the app's hooks add (they ran when it was
    stored), so replaying it needs no routing, no request object and no hooks: on the
    cheap query this is the difference between Flask's request cycle and a dict lookup.
    Anything else (conditions, ranges, a ``lang`` parameter, other methods) goes to Flask.
    ``mark_hits`` adds ``X-Cache: hit`` (off by default: it tells anyone whether a URL was
    asked for before).
    """

    def __init__(self, app: WSGIApplication, cache: ResponseCache, mark_hits: bool = False):
        self.app = app
        self.cache = cache
        self.marks = (("X-Cache", "hit"),) if mark_hits else ()

    def __call__(self, env: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method = env.get("REQUEST_METHOD")
        if method in ("GET", "HEAD") and not _special(env):
            entry = self.cache.entry(env)
            if entry is not None:
                CACHE.labels("hit").inc()
                env[ROUTE_KEY] = entry.route
                return self._replay(entry, env, start_response)
        return self.app(env, start_response)

    def _replay(
        self, entry: Entry, env: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        """The stored answer, or a 304 when the reader's copy is current (If-None-Match)."""
        headers = [*entry.headers, *self.marks]  # Date: the WSGI server adds it
        wanted = env.get(_IF_NONE_MATCH)
        if wanted is not None and _current(wanted, dict(entry.headers).get("ETag")):
            remove_entity_headers(headers)  # as werkzeug does for a 304 (RFC 9110 §15.4.5)
            start_response("304 Not Modified", headers)
            return [b""]
        headers.append(("Content-Length", str(len(entry.body))))
        start_response(f"{entry.status} {HTTPStatus(entry.status).phrase}", headers)
        return [b""] if env.get("REQUEST_METHOD") == "HEAD" else [entry.body]


def _current(if_none_match: str, etag: str | None) -> bool:
    """Whether If-None-Match names ``etag`` (weak comparison, RFC 9110 §13.1.2)."""
    if etag is None:
        return False
    return parse_etags(if_none_match).contains_weak(unquote_etag(etag)[0])


def _special(env: WSGIEnvironment) -> bool:
    return any(name in env for name in _NOT_PLAIN) or b"lang" in env.get("QUERY_STRING", "").encode(
        "latin-1"
    )
