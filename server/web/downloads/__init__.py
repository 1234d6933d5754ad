"""``/download/<name>``: the published files of the build, exactly as its manifest lists them.

Only names in the manifest are served, so no request can reach any other file. Whole files
come from dist/ (they are the published artifacts, with their sha256 in the manifest), with
their sha256 as ETag, and a single byte range on request (``Accept-Ranges: bytes``: an
interrupted download resumes with ``Range`` and ``If-Range``; see server/conditional.py).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path

from flask import Blueprint, Response, render_template, request

from converter.contract import FileEntry
from converter.formats import from_media_type
from server.conditional import apply_conditions
from server.errors import ApiError
from server.negotiation import varies_on
from server.web.common.context import Context
from server.web.downloads.openapi import OPERATIONS

__all__ = ["OPERATIONS", "create_blueprint", "document_csp"]

GZIP_MIN_BYTES = 1024
_STYLE = re.compile(rb"<style\b[^>]*>(.*?)</style\s*>", re.DOTALL | re.IGNORECASE)


def _is_text(entry: FileEntry) -> bool:
    fmt = from_media_type(entry.media_type)
    return entry.media_type.startswith("text/") or (fmt is not None and fmt.text)


def _content_type(entry: FileEntry) -> str:
    return f"{entry.media_type}; charset=utf-8" if _is_text(entry) else entry.media_type


class _GzipCache:
    """Compressed bodies, computed once per file version."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, float], bytes] = {}

    def get(self, path: Path) -> bytes:
        key = (str(path), path.stat().st_mtime)
        if key not in self._cache:
            self._cache[key] = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        return self._cache[key]


def document_csp(html: bytes) -> str:
    """The CSP of a published HTML document (the ontology's page): nothing but its own
    ``<style>`` elements, allowed by their hashes, so no other page's policy is loosened."""
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(css).digest()).decode() + "'"
        for css in _STYLE.findall(html)
    ]
    styles = " ".join(hashes) or "'none'"
    return (
        f"default-src 'none'; style-src {styles}; img-src 'self' data:; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    )


def _accepts_gzip() -> bool:
    varies_on("Accept-Encoding")
    return request.accept_encodings["gzip"] > 0


def _send(entry: FileEntry, path: Path, gz: _GzipCache) -> Response:
    use_gzip = _is_text(entry) and path.stat().st_size >= GZIP_MIN_BYTES and _accepts_gzip()
    body = gz.get(path) if use_gzip else path.read_bytes()
    response = Response(body, content_type=_content_type(entry))
    response.set_etag(entry.sha256 + ("-gzip" if use_gzip else ""))
    response.last_modified = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    response.accept_ranges = "bytes"  # resumable downloads (server/conditional.py)
    if use_gzip:
        response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    disposition = "inline" if entry.media_type == "text/html" else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{entry.name}"'
    if entry.media_type == "text/html":
        response.headers["Content-Security-Policy"] = document_csp(path.read_bytes())
    return apply_conditions(request, response)


def create_blueprint(context: Context) -> Blueprint:
    """``/download/`` (the list) and ``/download/<name>`` for the served build.

    With no local build (a remote store and no ``dist/``), the list is empty.
    """
    manifest = context.manifest
    bp = Blueprint("downloads", __name__, template_folder="templates")
    dist = Path(context.dist_dir).resolve()
    files = {e.name: e for e in (manifest.files if manifest else ())}
    gz = _GzipCache()

    @bp.get("/download/")
    def index() -> str:
        return render_template(
            "downloads/downloads.html", files=sorted(files.values(), key=lambda e: e.name)
        )

    @bp.get("/download/<path:name>")
    def download(name: str) -> Response:
        entry = files.get(name)
        if entry is None:
            raise ApiError(404, f"no such download: {name}; see /download/ for the list")
        path = (dist / entry.path).resolve()
        if not path.is_relative_to(dist) or not path.is_file():
            raise ApiError(404, f"{name} is listed but missing from this build")
        return _send(entry, path, gz)

    return bp
