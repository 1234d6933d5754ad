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
from werkzeug.http import (
    http_date,
    parse_cookie,
    parse_etags,
    quote_etag,
    remove_entity_headers,
    unquote_etag,
)

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

from server.conditional import apply_conditions
from server.errors import StoreError

#: Headers that belong to one exchange, never to a stored answer.
_PER_REQUEST = frozenset({"date", "content-length"})
#: Larger answers (the dumps) are files on disk already; caching them buys little.
MAX_ENTRY_BYTES = 2 * 1024 * 1024


class DataVersion:
    """The data's digest now (``read``: ``Store.data_version``), or the last one read while
    the store cannot be asked: a digest that cannot be read has not changed as far as
    anyone knows, and the answers rendered under it are still the best there are."""

    def __init__(self, read: Callable[[], str | None]) -> None:
        self.read = read
        self.last: str | None = None

    def __call__(self) -> str | None:
        try:
            self.last = self.read()
        except StoreError:
            pass
        return self.last


@dataclass(frozen=True)
class Validators:
    """What every cacheable answer of one served build carries."""

    version: Callable[[], str | None]  #: the data's digest now (None: the store cannot tell)
    built: datetime  #: Last-Modified
    max_age: int  #: seconds of Cache-Control freshness

    def etag(self, body: bytes) -> str:
        digest = (self.version() or "").encode()
        return hashlib.sha256(digest + b"\0" + body).hexdigest()[:32]

    @cached_property
    def last_modified(self) -> str:
        """``built`` as an HTTP date, formatted once (every answer carries it)."""
        return http_date(self.built)

    @cached_property
    def public(self) -> str:
        """The Cache-Control of an answer any cache may keep."""
        return f"public, max-age={self.max_age}"


#: Longer request targets (path and query, as sent) are neither looked up nor stored: a
#: client can make URLs unique at will, and a key is held in memory as long as its answer.
MAX_KEY_URL = 2048
#: A varied request header longer than this makes the request uncacheable (browsers send
#: ``Accept`` and ``Accept-Language`` of 100-200 bytes).
MAX_KEY_HEADER = 512
#: Bytes an entry costs besides its key, headers and body (the tuple, the entry object, the
#: strings' headers; measured with tracemalloc: tests/server/test_cache_memory.py).
ENTRY_OVERHEAD = 1024

Key = tuple[str, ...]  #: (path, query, each varied header's value)


@dataclass(frozen=True)
class _Entry:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    stored: float  #: time.monotonic() when it was rendered
    size: int  #: what it counts against the cache's budget: key, headers, body, overhead
    version: str | None = None  #: the data's digest when it was rendered


class ResponseCache:
    """Rendered 200 answers, least recently used first out, for as long as the data they
    were rendered from is the data served.

    ``version`` tells the data's digest now (the embedded store: its build's, fixed; a
    remote store: the one its register states, read again every few seconds). An answer is
    kept while the digest is the one it was rendered under; when the digest changes the
    cache empties. Where ``version`` says None (a store that cannot tell), an answer is kept
    ``ttl`` seconds at most. Bounded by ``max_bytes`` counting keys, headers and bodies
    (plus a fixed overhead per entry) and by ``max_entries``. A URL's entry in the Vary
    index goes with its last answer. ``cookies`` are the only cookies answers depend on: an
    answer that varies on ``Cookie`` is keyed on their values, not on the whole header.

    Single flight: requests that miss the same URL at once (a page nobody asked for since
    a publish, asked by many) wait for the first one's answer instead of each asking the
    store (:meth:`join`, :meth:`land`).
    """

    def __init__(
        self,
        max_bytes: int,
        ttl: float | None = None,
        *,
        version: Callable[[], str | None] = lambda: None,
        max_entries: int = 10_000,
        cookies: tuple[str, ...] = (),
    ) -> None:
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self.ttl = ttl
        self.version = version
        self.cookies = cookies
        self._entries: OrderedDict[Key, _Entry] = OrderedDict()
        #: (path, query) → (the header names its answers vary on, how many entries it has)
        self._vary: dict[tuple[str, str], tuple[tuple[str, ...], int]] = {}
        self._bytes = 0
        self._lock = threading.Lock()
        self._seen: str | None = None  #: the last digest ``version`` told
        self._flights: dict[Key, threading.Event] = {}

    def current(self) -> str | None:
        """The data's digest now (``version``), the cache emptied when it changed."""
        now = self.version()
        if now != self._seen:
            with self._lock:
                if now != self._seen:
                    self._entries.clear()
                    self._vary.clear()
                    self._bytes = 0
                    self._seen = now
        return now

    @property
    def size(self) -> int:
        """Bytes held, as counted against ``max_bytes``."""
        return self._bytes

    @staticmethod
    def _url(env: WSGIEnvironment) -> tuple[str, str] | None:
        # The raw request target, as the WSGI server gives it: one key for Flask and the
        # fast path alike, whatever the encoding of the path. A pair, not "path?query": a
        # path may hold a "?" of its own (sent as %3F).
        path, query = str(env.get("PATH_INFO", "")), str(env.get("QUERY_STRING", ""))
        return (path, query) if len(path) + len(query) <= MAX_KEY_URL else None

    def _key(self, env: WSGIEnvironment, url: tuple[str, str], vary: tuple[str, ...]) -> Key | None:
        values = [self._varied(env, name) for name in vary]
        if any(len(value) > MAX_KEY_HEADER for value in values):
            return None
        return (*url, *values)

    def _varied(self, env: WSGIEnvironment, header: str) -> str:
        raw = str(env.get(_wsgi_name(header), ""))
        if header != "cookie" or not raw:
            return raw
        jar = parse_cookie(raw)
        return "; ".join(f"{name}={jar.get(name, '')}" for name in self.cookies)

    def entry(self, env: WSGIEnvironment) -> _Entry | None:
        """The stored answer for this request, if one was rendered for the same variant."""
        url = self._url(env)
        if url is None:
            return None
        version = self.current()
        with self._lock:
            known = self._vary.get(url)
            key = self._key(env, url, known[0]) if known is not None else None
            entry = self._entries.get(key) if key is not None else None
            if entry is None or key is None:
                return None
            ttl = self.ttl if version is None else None  # a digest says more than a clock
            old = ttl is not None and time.monotonic() - entry.stored > ttl
            if entry.version != version or old:
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return entry

    def lookup(self, req: Request) -> Response | None:
        """:meth:`entry` as a Flask response."""
        entry = self.entry(req.environ)
        if entry is None:
            return None
        return Response(entry.body, status=entry.status, headers=list(entry.headers))

    def store(self, req: Request, response: Response, version: str | None = None) -> None:
        """Keep a rendered answer (a 200 held in memory, not too large, with a short key),
        rendered under the data's digest ``version`` (read before it was rendered)."""
        url = self._url(req.environ)
        body = response.get_data()
        if url is None or len(body) > min(MAX_ENTRY_BYTES, self.max_bytes):
            return
        vary = tuple(sorted(h.lower() for h in response.vary))
        key = self._key(req.environ, url, vary)
        if key is None:
            return
        headers = tuple((k, v) for k, v in response.headers if k.lower() not in _PER_REQUEST)
        size = (
            len(body)
            + sum(len(part) for part in key)
            + sum(len(k) + len(v) for k, v in headers)
            + ENTRY_OVERHEAD
        )
        with self._lock:
            if key in self._entries:
                self._drop(key)
            _, count = self._vary.get(url, (vary, 0))
            self._vary[url] = (vary, count + 1)
            entry = _Entry(response.status_code, headers, body, time.monotonic(), size, version)
            self._entries[key] = entry
            self._bytes += size
            while self._entries and (
                self._bytes > self.max_bytes or len(self._entries) > self.max_entries
            ):
                self._drop(next(iter(self._entries)))

    def _drop(self, key: Key) -> None:
        """Forget one entry, and its URL's Vary when it was the URL's last (lock held)."""
        self._bytes -= self._entries.pop(key).size
        url = (key[0], key[1])
        names, count = self._vary[url]
        if count > 1:
            self._vary[url] = (names, count - 1)
        else:
            del self._vary[url]

    @staticmethod
    def _flight(env: WSGIEnvironment) -> Key:
        # Finer than any Vary the site writes: the followers look the answer up as usual.
        names = ("PATH_INFO", "QUERY_STRING", "HTTP_ACCEPT", "HTTP_ACCEPT_LANGUAGE", "HTTP_COOKIE")
        return tuple(str(env.get(name, "")) for name in names)

    def join(self, env: WSGIEnvironment) -> threading.Event | None:
        """Take part in rendering this request's answer: None for the first request (it
        renders, then calls :meth:`land`), else the event the first one sets."""
        key = self._flight(env)
        with self._lock:
            flight = self._flights.get(key)
            if flight is None:
                self._flights[key] = threading.Event()
                env[_FLIGHT] = key
            return flight

    def land(self, env: WSGIEnvironment) -> None:
        """The first request of a flight is done (answered, stored or failed)."""
        key = env.pop(_FLIGHT, None)
        if key is not None:
            with self._lock:
                flight = self._flights.pop(key, None)
            if flight is not None:
                flight.set()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def urls(self) -> int:
        """URLs in the Vary index (never more than entries)."""
        return len(self._vary)


#: In the WSGI environ of the request that renders a flight's answer: the flight's key.
_FLIGHT = "dx.response_cache.flight"
#: In the WSGI environ: the data's digest read before the answer was rendered.
_VERSION = "dx.response_cache.version"
#: Seconds a request waits for the first request of its flight before rendering itself.
FLIGHT_WAIT = 10.0


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
                return self._replay(entry, env, start_response)
        return self.app(env, start_response)

    def _replay(
        self, entry: _Entry, env: WSGIEnvironment, start_response: StartResponse
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


#: Set in the WSGI environ of a request answered from the response cache inside Flask.
_HIT = "dx.response_cache.hit"

Params = Callable[[Request], "frozenset[str] | None"]


def _keeps(response: Response) -> bool:
    """An answer for everyone: no cookie set, nothing that forbids keeping it."""
    control = response.cache_control
    return "Set-Cookie" not in response.headers and not (control.no_store or control.private)


def init_app(
    app: Flask,
    validators: Validators,
    cache: ResponseCache | None,
    *,
    params: Params = lambda req: None,
    mark_hits: bool = False,
) -> Callable[[WSGIApplication], WSGIApplication] | None:
    """Answer repeated requests from ``cache`` and give every answer its validators; returns
    the fast path to put around the app's WSGI callable (server/wsgi/stack.py), if any.

    ``params`` names the query parameters the request's route reads (None: any): an answer
    to a URL with others is not kept, so made-up parameters cannot fill the cache. Hooks
    run in reverse order of registration: the store hook is registered first so that it
    sees the answer with its validators, and the request's conditions
    (server/conditional.py) apply to every answer, rendered or cached.
    """

    @app.after_request
    def _conditional(response: Response) -> Response:
        if _cacheable(response) and "ETag" in response.headers:
            return apply_conditions(request, response)  # RFC 9110 order, ranges (downloads)
        return response

    if cache is not None:

        def hit(found: Response) -> Response:
            request.environ[_HIT] = True
            if mark_hits:
                found.headers["X-Cache"] = "hit"
            return found

        @app.before_request
        def _from_cache() -> Response | None:
            if request.method not in ("GET", "HEAD"):
                return None
            request.environ[_VERSION] = cache.current()
            found = cache.lookup(request)
            if found is not None:
                return hit(found)
            flight = cache.join(request.environ)
            if flight is not None and flight.wait(FLIGHT_WAIT):
                found = cache.lookup(request)  # the first request's answer, if it kept one
                if found is not None:
                    return hit(found)
            return None

        @app.after_request
        def _into_cache(response: Response) -> Response:
            fresh = not request.environ.get(_HIT)
            if fresh and _cacheable(response) and _keeps(response) and _known(params, request):
                cache.store(request, response, request.environ.get(_VERSION))
            cache.land(request.environ)
            return response

        @app.teardown_request
        def _landed(error: BaseException | None) -> None:
            cache.land(request.environ)  # an answer that failed still ends its flight

    app.after_request(_validate(validators))
    if cache is None:
        return None
    return lambda wsgi: FastPath(wsgi, cache, mark_hits)


def _known(params: Params, req: Request) -> bool:
    allowed = params(req)
    return allowed is None or all(name in allowed for name in req.args)
