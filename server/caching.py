"""HTTP caching of every GET and HEAD answer: validators, freshness, and a response cache.

The publication never changes while a server runs on its build, so an answer can be computed
once, validated cheaply and cached by anything between the server and the reader:

- a strong ``ETag`` from the build's digest and the answer's bytes (the same after a restart
  on the same build, changed by a new build) and ``Last-Modified`` from the build time, so
  ``If-None-Match`` / ``If-Modified-Since`` get 304;
- ``Cache-Control: public, max-age=…`` (``DX_CACHE_MAX_AGE``), so browsers, proxies and CDNs
  may reuse an answer for that long and then revalidate it with a 304;
- an in-process cache of rendered answers, bounded in bytes (``DX_RESPONSE_CACHE_MB``); over
  a remote store, which can be re-published under us, an answer is kept no longer than the
  list of published graphs (``DX_STORE_GRAPHS_TTL``).
  Like any HTTP cache it keys an answer by its URL and by the request headers its ``Vary``
  names, so no cached answer ever crosses languages or media types.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from http import HTTPStatus
from typing import TYPE_CHECKING

from flask import Flask, Request, Response, request
from werkzeug.http import http_date, parse_etags, quote_etag, remove_entity_headers, unquote_etag

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

from server.conditional import apply_conditions

#: Headers that belong to one exchange, never to a stored answer.
_PER_REQUEST = frozenset({"date", "content-length"})
#: Larger answers (the dumps) are files on disk already; caching them buys little.
MAX_ENTRY_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class Validators:
    """What every cacheable answer of one served build carries."""

    digest: str  #: the build's digest ("" when the server has no local build)
    built: datetime  #: Last-Modified
    max_age: int  #: seconds of Cache-Control freshness

    def etag(self, body: bytes) -> str:
        return hashlib.sha256(self.digest.encode() + b"\0" + body).hexdigest()[:32]

    @cached_property
    def last_modified(self) -> str:
        """``built`` as an HTTP date, formatted once (every answer carries it)."""
        return http_date(self.built)

    @cached_property
    def public(self) -> str:
        """The Cache-Control of an answer any cache may keep."""
        return f"public, max-age={self.max_age}"


@dataclass(frozen=True)
class _Entry:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    stored: float  #: time.monotonic() when it was rendered


class ResponseCache:
    """Rendered 200 answers, least recently used first out, at most ``max_bytes`` of bodies;
    with ``ttl``, none older than ``ttl`` seconds (a store that can be re-published)."""

    def __init__(self, max_bytes: int, ttl: float | None = None) -> None:
        self.max_bytes = max_bytes
        self.ttl = ttl
        self._entries: OrderedDict[tuple[object, ...], _Entry] = OrderedDict()
        self._vary: dict[str, tuple[str, ...]] = {}  # URL → the header names its answer varies on
        self._bytes = 0
        self._lock = threading.Lock()

    @staticmethod
    def _url(env: WSGIEnvironment) -> str:
        # The raw request target, as the WSGI server gives it: one key for Flask and the
        # fast path alike, whatever the encoding of the path.
        return f"{env.get('PATH_INFO', '')}?{env.get('QUERY_STRING', '')}"

    def _key(self, env: WSGIEnvironment, vary: tuple[str, ...]) -> tuple[object, ...]:
        return (self._url(env), *(env.get(_wsgi_name(name), "") for name in vary))

    def entry(self, env: WSGIEnvironment) -> _Entry | None:
        """The stored answer for this request, if one was rendered for the same variant."""
        with self._lock:
            vary = self._vary.get(self._url(env))
            if vary is None:
                return None
            key = self._key(env, vary)
            entry = self._entries.get(key)
            if entry is not None and self.ttl is not None:
                if time.monotonic() - entry.stored > self.ttl:
                    self._bytes -= len(self._entries.pop(key).body)
                    return None
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def lookup(self, req: Request) -> Response | None:
        """:meth:`entry` as a Flask response."""
        entry = self.entry(req.environ)
        if entry is None:
            return None
        return Response(entry.body, status=entry.status, headers=list(entry.headers))

    def store(self, req: Request, response: Response) -> None:
        """Keep a rendered answer (a 200 held in memory, not too large)."""
        body = response.get_data()
        if len(body) > min(MAX_ENTRY_BYTES, self.max_bytes):
            return
        vary = tuple(sorted(h.lower() for h in response.vary))
        headers = tuple((k, v) for k, v in response.headers if k.lower() not in _PER_REQUEST)
        with self._lock:
            self._vary[self._url(req.environ)] = vary
            key = self._key(req.environ, vary)
            old = self._entries.pop(key, None)
            self._bytes += len(body) - (len(old.body) if old else 0)
            self._entries[key] = _Entry(response.status_code, headers, body, time.monotonic())
            while self._bytes > self.max_bytes and self._entries:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.body)

    def __len__(self) -> int:
        return len(self._entries)


def _wsgi_name(header: str) -> str:
    return "HTTP_" + header.upper().replace("-", "_")


#: Request headers that make an answer differ from the stored one (conditions other than a
#: plain revalidation, ranges): such requests go through Flask's hooks, as does a ``lang=``
#: in the query (it may set a cookie).
_NOT_PLAIN = tuple(
    _wsgi_name(h) for h in ("If-Modified-Since", "If-Match", "If-Unmodified-Since", "Range")
)
_IF_NONE_MATCH = _wsgi_name("If-None-Match")


class FastPath:
    """WSGI middleware: a plain GET or HEAD whose answer is cached is answered before Flask.

    A cached answer already carries every header the app's hooks add (they ran when it was
    stored), so replaying it needs no routing, no request object and no hooks: on the
    cheap query this is the difference between Flask's request cycle and a dict lookup.
    Anything else (conditions, ranges, a ``lang`` parameter, other methods) goes to Flask.
    """

    def __init__(self, app: WSGIApplication, cache: ResponseCache) -> None:
        self.app = app
        self.cache = cache

    def __call__(self, env: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method = env.get("REQUEST_METHOD")
        if method in ("GET", "HEAD") and not _special(env):
            entry = self.cache.entry(env)
            if entry is not None:
                return _replay(entry, env, start_response)
        return self.app(env, start_response)


def _replay(entry: _Entry, env: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """The stored answer, or a 304 when the reader's copy is current (If-None-Match)."""
    headers = [*entry.headers, ("X-Cache", "hit")]  # Date: the WSGI server adds it
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


def _cacheable(response: Response) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and response.status_code == 200
        and not response.is_streamed
        and not response.direct_passthrough
    )


def _validate(validators: Validators) -> Callable[[Response], Response]:
    """The after_request hook: validators and freshness on a freshly rendered answer."""

    def hook(response: Response) -> Response:
        if not _cacheable(response):
            return response
        # One pass over the headers instead of a lookup per name: this runs on every answer.
        present = {name.lower() for name, _ in response.headers}
        if "etag" not in present:  # downloads carry their file's own sha256
            response.headers.add("ETag", quote_etag(validators.etag(response.get_data())))
        if "last-modified" not in present:
            response.headers.add("Last-Modified", validators.last_modified)
        if "set-cookie" in present:
            # This answer is for one reader (it sets their language): no shared cache may
            # replay the cookie to others, and the response cache does not keep it.
            response.cache_control.public = False
            response.cache_control.private = True
            response.cache_control.max_age = validators.max_age
        elif "cache-control" not in present:
            response.headers.add("Cache-Control", validators.public)
        return response

    return hook


def init_app(app: Flask, validators: Validators, cache: ResponseCache | None) -> None:
    """Answer repeated requests from ``cache`` and give every answer its validators.

    Hooks run in reverse order of registration: the store hook is registered first so that
    it sees the answer with its validators, and the request's conditions
    (server/conditional.py) apply to every answer, rendered or cached.
    """

    @app.after_request
    def _conditional(response: Response) -> Response:
        if _cacheable(response) and "ETag" in response.headers:
            return apply_conditions(request, response)  # RFC 9110 order, ranges (downloads)
        return response

    if cache is not None:

        @app.before_request
        def _from_cache() -> Response | None:
            if request.method not in ("GET", "HEAD"):
                return None
            found = cache.lookup(request)
            if found is not None:
                found.headers["X-Cache"] = "hit"
            return found

        @app.after_request
        def _into_cache(response: Response) -> Response:
            fresh = "X-Cache" not in response.headers and "Set-Cookie" not in response.headers
            if _cacheable(response) and fresh:
                cache.store(request, response)
            return response

        app.wsgi_app = FastPath(app.wsgi_app, cache)  # type: ignore[method-assign,assignment]

    app.after_request(_validate(validators))
