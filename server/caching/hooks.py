"""The Flask hooks: validators and freshness on every answer, the request's conditions, and
the response cache's lookup, single flight and store."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from flask import Flask, Request, Response, request
from werkzeug.http import quote_etag

from server.caching.fast_path import FastPath
from server.caching.response_cache import ResponseCache
from server.caching.validators import Validators
from server.conditional import apply_conditions
from server.metrics.families import CACHE

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

#: In the WSGI environ: the data's digest read before the answer was rendered.
_VERSION = "dx.response_cache.version"
#: Seconds a request waits for the first request of its flight before rendering itself.
FLIGHT_WAIT = 10.0


def _cacheable(response: Response) -> bool:
    """A 200 to GET or HEAD held whole, that a cache may keep (``no-store``: an answer for
    this moment only, a health check or a volatile query, gets no validators either)."""
    return (
        request.method in ("GET", "HEAD")
        and response.status_code == 200
        and not response.is_streamed
        and not response.direct_passthrough
        and not response.cache_control.no_store
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
        _cache_hooks(app, cache, params, mark_hits)
    app.after_request(_validate(validators))
    if cache is None:
        return None
    return lambda wsgi: FastPath(wsgi, cache, mark_hits)


def _cache_hooks(app: Flask, cache: ResponseCache, params: Params, mark_hits: bool) -> None:
    """Look a request up (or wait for its flight) before the view; keep its answer after."""

    def hit(found: Response) -> Response:
        request.environ[_HIT] = True
        CACHE.labels("hit").inc()
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
        CACHE.labels("miss").inc()
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


def _known(params: Params, req: Request) -> bool:
    allowed = params(req)
    return allowed is None or all(name in allowed for name in req.args)
