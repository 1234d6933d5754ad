"""The live release switch: serve the release ``current`` points at, without a restart.

The staff console keeps each build in a release folder and publishes one by pointing the
link ``<releases>/current`` at it: a temporary link renamed over the old one, so the link
always names one whole release (docs/console-guide.md). A server that had read the link
once at start would keep serving the old files. Run with ``DX_DIST_DIR=<releases>/current``
(a symlink), ``python -m server`` wraps its app in :class:`ReleaseSwitch` instead:

- at most every ``DX_RELEASE_CHECK_INTERVAL`` seconds a request reads the link
  (``os.readlink``: about 1 µs here; a ``time.monotonic()`` comparison otherwise, 45 ns);
- when it names another release, a thread builds a fresh app for the release's real
  folder (never through the link: a page is always read from the release it started on)
  while every request is still answered by the old app, and warms it up with the last
  :data:`WARM_REQUESTS` distinct GETs the old app answered (at most :data:`WARM_SECONDS`;
  not ``/sparql``): without that, 100 connections landing on an app with empty caches
  waited up to 3.8 s (p99) while each rendered its page; then new requests go to the new
  app, whose ETags derive from the new build's digest;
- requests that started on the old app finish on it; once none is left and
  ``DX_RELEASE_GRACE`` seconds have passed, the old app's blueprints are closed (the
  ``/sparql`` query workers) and the app is left to the garbage collector;
- a release that cannot be loaded is logged and the old one served; it is tried again
  after :data:`RETRY_AFTER` seconds (the link may be fixed by then).

The switch knows nothing of the app it serves: ``factory(folder)`` builds one.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from server.wsgi.access_log import AccessLog

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from flask import Flask

log = logging.getLogger(__name__)

#: Seconds before a release that failed to load is tried again.
RETRY_AFTER = 5.0
#: Seconds between two looks at the retired apps.
REAP_EVERY = 1.0
#: Distinct recent GETs replayed on a new release's app before it takes over, and for how
#: long at most.
WARM_REQUESTS = 128
WARM_SECONDS = 5.0
#: The request headers a replayed GET keeps (those the answers vary on).
_WARM_HEADERS = ("HTTP_ACCEPT", "HTTP_ACCEPT_LANGUAGE", "HTTP_ACCEPT_ENCODING", "HTTP_COOKIE")


@dataclass(eq=False)
class Generation:
    """One release's app and the requests it is answering."""

    target: str  #: the release folder's real path
    app: Flask
    active: int = 0
    retired_at: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def enter(self) -> None:
        with self.lock:
            self.active += 1

    def leave(self) -> None:
        with self.lock:
            self.active -= 1


class _Finishing:
    """A response body that tells its generation when the server is done with it."""

    def __init__(self, body: Iterable[bytes], generation: Generation) -> None:
        self._body = body
        self._generation: Generation | None = generation

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._body)

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            generation, self._generation = self._generation, None
            if generation is not None:
                generation.leave()


def close_app(app: Flask) -> None:
    """Release what an app holds beyond memory: each blueprint's ``close()`` (the
    ``/sparql`` blueprint stops its query worker processes)."""
    for blueprint in app.blueprints.values():
        close = getattr(blueprint, "close", None)
        if callable(close):
            try:
                close()
            except Exception:  # noqa: BLE001 - one blueprint failing must not keep the rest
                log.exception("closing %s of a retired release", blueprint.name)


class ReleaseSwitch:
    """WSGI app answering with the app of the release ``link`` points at.

    :raises OSError: ``link`` is not a symbolic link.
    :raises Exception: whatever ``factory`` raises for the first release (nothing to serve).
    """

    def __init__(
        self,
        link: Path,
        factory: Callable[[Path], Flask],
        *,
        interval: float = 0.1,
        grace: float = 30.0,
    ) -> None:
        self.link = str(link)
        self.factory = factory
        self.interval = interval
        self.grace = grace
        self._seen = os.readlink(self.link)
        target = self._resolve(self._seen)
        self.current = Generation(target, factory(Path(target)))
        self.retired: list[Generation] = []
        self._lock = threading.Lock()
        self._next_check = time.monotonic() + interval
        self._building: str | None = None
        self._failed: dict[str, float] = {}  #: link value → when it last failed to load
        self._reaper: threading.Thread | None = None
        #: The last distinct GETs (path, query, varied headers), oldest first.
        self.recent: dict[tuple[str, ...], None] = {}

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        now = time.monotonic()
        if now >= self._next_check:
            self._next_check = now + self.interval
            self.check()
        if environ.get("REQUEST_METHOD") == "GET":
            self._remember(environ)
        generation = self.current
        generation.enter()
        try:
            body = generation.app(environ, start_response)
        except BaseException:
            generation.leave()
            raise
        return _Finishing(body, generation)

    def _remember(self, environ: WSGIEnvironment) -> None:
        path = str(environ.get("PATH_INFO", ""))
        if path.startswith("/sparql"):
            return
        key: tuple[str, ...] = (path, str(environ.get("QUERY_STRING", "")))
        key += tuple(str(environ.get(name, "")) for name in _WARM_HEADERS)
        if key in self.recent:
            return
        self.recent[key] = None  # a dict write is atomic; a lost one costs nothing
        if len(self.recent) > 2 * WARM_REQUESTS:
            try:
                self.recent = dict(list(self.recent.items())[-WARM_REQUESTS:])
            except RuntimeError:  # changed by another thread meanwhile: trim next time
                pass

    def warm(self, app: Flask) -> int:
        """Replay the recent GETs on ``app`` (its caches fill); how many were replayed."""
        from werkzeug.test import Client

        client, until, done = Client(app), time.monotonic() + WARM_SECONDS, 0
        for path, query, *values in list(self.recent)[-WARM_REQUESTS:]:
            if time.monotonic() > until:
                break
            headers = {
                name[5:].replace("_", "-").title(): value
                for name, value in zip(_WARM_HEADERS, values, strict=True)
                if value
            }
            try:
                client.get(path, query_string=query, headers=headers).close()
            except Exception:  # noqa: BLE001 - a warm-up request may fail; readers' won't wait
                log.debug("warm-up of %s failed", path, exc_info=True)
            done += 1
        return done

    def _resolve(self, seen: str) -> str:
        return os.path.realpath(os.path.join(os.path.dirname(self.link), seen))

    def check(self) -> None:
        """Start loading the release the link names now, unless it is the one served."""
        try:
            seen = os.readlink(self.link)
        except OSError as exc:
            log.warning("release link %s unreadable (%s); serving %s", self.link, exc, self._seen)
            return
        if seen == self._seen:
            return
        with self._lock:
            failed = self._failed.get(seen)
            if self._building is not None or (
                failed is not None and time.monotonic() - failed < RETRY_AFTER
            ):
                return
            self._building = seen
        threading.Thread(target=self._load, args=(seen,), name="release-load", daemon=True).start()

    def _load(self, seen: str) -> None:
        target = self._resolve(seen)
        started = time.monotonic()
        try:
            app = self.factory(Path(target))
            warmed = self.warm(app)
        except Exception:  # noqa: BLE001 - a broken release must not stop the served one
            log.exception("release %s cannot be served; still serving %s", target, self._seen)
            with self._lock:
                self._failed[seen] = time.monotonic()
                self._building = None
            return
        with self._lock:
            old, self.current = self.current, Generation(target, app)
            self._seen, self._building = seen, None
            self._failed.pop(seen, None)
            old.retired_at = time.monotonic()
            self.retired.append(old)
            self._start_reaper()
        log.info(
            "release switch: serving %s (loaded and warmed with %d requests in %.2f s; was %s)",
            target,
            warmed,
            time.monotonic() - started,
            old.target,
        )

    def _start_reaper(self) -> None:
        if self._reaper is None or not self._reaper.is_alive():
            self._reaper = threading.Thread(target=self._reap, name="release-reap", daemon=True)
            self._reaper.start()

    def _reap(self) -> None:
        while True:
            time.sleep(REAP_EVERY)
            if not self.reap():
                return

    def reap(self, now: float | None = None) -> int:
        """Close every retired app that is past its grace period and answers nothing;
        returns how many are left to wait for."""
        now = time.monotonic() if now is None else now
        with self._lock:
            done = [
                g
                for g in self.retired
                if g.active == 0 and g.retired_at is not None and now - g.retired_at >= self.grace
            ]
            self.retired = [g for g in self.retired if g not in done]
            left = len(self.retired)
        for generation in done:
            close_app(generation.app)
            log.info("release switch: closed the app of %s", generation.target)
        return left


def switched_app(
    link: Path, factory: Callable[[Path], Flask], *, interval: float, grace: float
) -> WSGIApplication:
    """:class:`ReleaseSwitch` over ``link`` inside the one access log of the process (the
    apps it builds have none of their own: each would start its own writer thread)."""
    switch: Any = ReleaseSwitch(link, factory, interval=interval, grace=grace)
    return AccessLog(switch)
