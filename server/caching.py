"""HTTP caching of every GET and HEAD answer: validators, freshness, and a response cache.

The publication never changes while a server runs on its build, so an answer can be computed
once, validated cheaply and cached by anything between the server and the reader:

- a strong ``ETag`` from the build's digest and the answer's bytes (the same after a restart
  on the same build, changed by a new build) and ``Last-Modified`` from the build time, so
  ``If-None-Match`` / ``If-Modified-Since`` get 304;
- ``Cache-Control: public, max-age=…`` (``DX_CACHE_MAX_AGE``), so browsers, proxies and CDNs
  may reuse an answer for that long and then revalidate it with a 304;
- an in-process cache of rendered answers, bounded in bytes (``DX_RESPONSE_CACHE_MB``), used
  only when the store is the build itself (a remote store can be re-published under us).
  Like any HTTP cache it keys an answer by its URL and by the request headers its ``Vary``
  names, so no cached answer ever crosses languages or media types.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from flask import Flask, Request, Response, request

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


@dataclass(frozen=True)
class _Entry:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


class ResponseCache:
    """Rendered 200 answers, least recently used first out, at most ``max_bytes`` of bodies."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[object, ...], _Entry] = OrderedDict()
        self._vary: dict[str, tuple[str, ...]] = {}  # URL → the header names its answer varies on
        self._bytes = 0
        self._lock = threading.Lock()

    @staticmethod
    def _url(req: Request) -> str:
        return req.full_path

    def _key(self, req: Request, vary: tuple[str, ...]) -> tuple[object, ...]:
        return (self._url(req), *(req.headers.get(name, "") for name in vary))

    def lookup(self, req: Request) -> Response | None:
        """The stored answer for this request, if one was rendered for the same variant."""
        with self._lock:
            vary = self._vary.get(self._url(req))
            if vary is None:
                return None
            key = self._key(req, vary)
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
        return Response(entry.body, status=entry.status, headers=list(entry.headers))

    def store(self, req: Request, response: Response) -> None:
        """Keep a rendered answer (a 200 held in memory, not too large)."""
        body = response.get_data()
        if len(body) > min(MAX_ENTRY_BYTES, self.max_bytes):
            return
        vary = tuple(sorted(h.lower() for h in response.vary))
        headers = tuple((k, v) for k, v in response.headers if k.lower() not in _PER_REQUEST)
        with self._lock:
            self._vary[self._url(req)] = vary
            key = self._key(req, vary)
            old = self._entries.pop(key, None)
            self._bytes += len(body) - (len(old.body) if old else 0)
            self._entries[key] = _Entry(response.status_code, headers, body)
            while self._bytes > self.max_bytes and self._entries:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.body)

    def __len__(self) -> int:
        return len(self._entries)


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
        if "ETag" not in response.headers:  # downloads carry their file's own sha256
            response.set_etag(validators.etag(response.get_data()))
        if response.last_modified is None:
            response.last_modified = validators.built
        if "Set-Cookie" in response.headers:
            # This answer is for one reader (it sets their language): no shared cache may
            # replay the cookie to others, and the response cache does not keep it.
            response.cache_control.public = False
            response.cache_control.private = True
            response.cache_control.max_age = validators.max_age
        elif "Cache-Control" not in response.headers:
            response.cache_control.public = True
            response.cache_control.max_age = validators.max_age
        return response

    return hook


def init_app(app: Flask, validators: Validators, cache: ResponseCache | None) -> None:
    """Answer repeated requests from ``cache`` and give every answer its validators.

    Hooks run in reverse order of registration: the store hook is registered first so that
    it sees the answer with its validators, and ``make_conditional`` runs on every answer,
    rendered or cached.
    """

    @app.after_request
    def _conditional(response: Response) -> Response:
        if _cacheable(response) and "ETag" in response.headers:
            return cast(Response, response.make_conditional(request))
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

    app.after_request(_validate(validators))
