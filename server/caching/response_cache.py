"""The in-process cache of rendered answers, keyed like any HTTP cache (URL and the request
headers the answer's ``Vary`` names), bounded in bytes and entries, emptied when the data's
digest changes, and single flight for concurrent misses of one URL."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Request, Response
from werkzeug.http import parse_cookie

from server.metrics.families import CACHE_BYTES

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

#: Headers that belong to one exchange, never to a stored answer.
_PER_REQUEST = frozenset({"date", "content-length"})
#: Larger answers (the dumps) are files on disk already; caching them buys little.
MAX_ENTRY_BYTES = 2 * 1024 * 1024
#: Longer request targets (path and query, as sent) are neither looked up nor stored: a
#: client can make URLs unique at will, and a key is held in memory as long as its answer.
MAX_KEY_URL = 2048
#: A varied request header longer than this makes the request uncacheable (browsers send
#: ``Accept`` and ``Accept-Language`` of 100-200 bytes).
MAX_KEY_HEADER = 512
#: Bytes an entry costs besides its key, headers and body (the tuple, the entry object, the
#: strings' headers; tests/server/test_cache_memory.py counts them with sys.getsizeof).
ENTRY_OVERHEAD = 1024

Key = tuple[str, ...]  #: (path, query, each varied header's value)


@dataclass(frozen=True)
class Entry:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    stored: float  #: time.monotonic() when it was rendered
    size: int  #: what it counts against the cache's budget: key, headers, body, overhead
    version: str | None = None  #: the data's digest when it was rendered
    route: str = ""  #: the URL rule that answered (the request metrics' label)


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
        self._entries: OrderedDict[Key, Entry] = OrderedDict()
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
                    CACHE_BYTES.set(0)
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
        raw = str(env.get(wsgi_name(header), ""))
        if header != "cookie" or not raw:
            return raw
        jar = parse_cookie(raw)
        return "; ".join(f"{name}={jar.get(name, '')}" for name in self.cookies)

    def entry(self, env: WSGIEnvironment) -> Entry | None:
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
            rule = req.url_rule.rule if req.url_rule is not None else ""
            entry = Entry(
                response.status_code, headers, body, time.monotonic(), size, version, rule
            )
            self._entries[key] = entry
            self._bytes += size
            while self._entries and (
                self._bytes > self.max_bytes or len(self._entries) > self.max_entries
            ):
                self._drop(next(iter(self._entries)))
            CACHE_BYTES.set(self._bytes)

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


def wsgi_name(header: str) -> str:
    return "HTTP_" + header.upper().replace("-", "_")
