"""The preview: the public site's own app over a candidate's build, for signed-in staff only.

``/preview/<candidate>/…`` is answered by :func:`server.app.create_app` over the
candidate's ``dist/`` (the embedded store, one query worker), mounted with
``SCRIPT_NAME=/preview/<candidate>``: the server writes its links from
``request.script_root``, so every link of the preview stays inside it. The console's own
check runs first (:class:`PreviewMount` asks ``allowed(environ)``): no session, no preview.

What the preview answers is for staff, not for caches or search engines: its
``Cache-Control`` becomes ``private, no-store``, ``Access-Control-Allow-Origin`` is
dropped, and ``X-Robots-Tag: noindex`` is added. At most :data:`KEPT` preview apps are
kept (the least recently used is closed: its query worker stops).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask

from server.app import create_app
from server.stores.local import LocalStore
from server.wsgi.release_switch import close_app

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

KEPT = 3
PREFIX = "/preview/"
_PATH = re.compile(r"/preview/([0-9a-f]{16})(/.*)?\Z", re.S)
_DROPPED = frozenset({"cache-control", "access-control-allow-origin", "expires"})


class Previews:
    """Preview apps by candidate id, built on first use."""

    def __init__(self, dist_of: Callable[[str], Path | None]) -> None:
        self.dist_of = dist_of
        self._apps: OrderedDict[str, Flask] = OrderedDict()
        self._lock = threading.Lock()

    def app(self, candidate_id: str) -> Flask | None:
        """The preview app of ``candidate_id``; None when it has no build."""
        with self._lock:
            app = self._apps.get(candidate_id)
            if app is not None:
                self._apps.move_to_end(candidate_id)
                return app
            dist = self.dist_of(candidate_id)
            if dist is None:
                return None
            app = create_app(
                {"DIST_DIR": str(dist), "SPARQL_WORKERS": 1, "RESPONSE_CACHE_MB": 4},
                store=LocalStore.from_build(dist),
            )
            self._apps[candidate_id] = app
            while len(self._apps) > KEPT:
                _, old = self._apps.popitem(last=False)
                close_app(old)
            return app

    def close(self, candidate_id: str | None = None) -> None:
        """Close one preview (or all of them)."""
        with self._lock:
            ids = [candidate_id] if candidate_id is not None else list(self._apps)
            apps = [self._apps.pop(i) for i in ids if i in self._apps]
        for app in apps:
            close_app(app)


class PreviewMount:
    """WSGI middleware sending ``/preview/<id>/…`` to the preview app, when allowed."""

    def __init__(
        self,
        app: WSGIApplication,
        previews: Previews,
        allowed: Callable[[WSGIEnvironment], bool],
        refuse: WSGIApplication,
    ) -> None:
        self.app = app
        self.previews = previews
        self.allowed = allowed
        self.refuse = refuse

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX):
            return self.app(environ, start_response)
        found = _PATH.match(path)
        if not self.allowed(environ):
            return self.refuse(environ, start_response)
        preview = self.previews.app(found[1]) if found else None
        if found is None or preview is None:
            return self.app(environ, start_response)  # the console's own 404
        if found[2] is None:  # /preview/<id> → /preview/<id>/
            start_response("308 Permanent Redirect", [("Location", path + "/")])
            return [b""]
        environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + PREFIX + found[1]
        environ["PATH_INFO"] = found[2]

        sent: list[Any] = []

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            kept = [(k, v) for k, v in headers if k.lower() not in _DROPPED]
            kept += [("Cache-Control", "private, no-store"), ("X-Robots-Tag", "noindex")]
            sent[:] = [status, kept, exc_info]
            return lambda data: None  # the body is returned, never written (Flask)

        body = preview(environ, start)
        if not sent:  # an app that starts its response on the first chunk
            body = [b"".join(body)]
        status, headers, exc_info = sent
        kind = next((v for k, v in headers if k.lower() == "content-type"), "")
        if not kind.startswith("text/html") or environ.get("REQUEST_METHOD") == "HEAD":
            start_response(status, headers, exc_info)
            return body
        try:
            page = _with_banner(b"".join(body), found[1])
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        start_response(status, [*headers, ("Content-Length", str(len(page)))], exc_info)
        return [page]


def _with_banner(page: bytes, candidate_id: str) -> bytes:
    """The page with a notice that it is a preview, and a way back to the candidate, as the
    first thing in its ``<main>`` (classes of the site's own stylesheet; no inline style,
    which the site's CSP would refuse)."""
    banner = (
        '<p class="notice" id="preview-banner" role="status"><strong>プレビュー（未公開）'
        "</strong> / Preview (not published) — "
        f'<a href="/candidates/{candidate_id}">公開コンソールに戻る / back to the console</a></p>'
    ).encode()
    for mark in (b'<main class="wrap">', b"<main>", b"<body>"):
        at = page.find(mark)
        if at >= 0:
            return page[: at + len(mark)] + banner + page[at + len(mark) :]
    return page
