"""``/download/<name>``: the published files of the build, exactly as listed in manifest.json.

Only names in the manifest are served, so no request can reach any other file. Whole files
come from dist/ (they are the published artifacts, with their sha256 in the manifest).
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from flask import Blueprint, Response, render_template, request

from server.errors import ApiError

#: Media types that are text, so they get ``charset=utf-8`` and are worth compressing.
TEXT_TYPES = {
    "application/ld+json",
    "application/n-triples",
    "application/rdf+xml",
    "application/json",
    "application/csvm+json",
    "application/n-quads",
    "application/trig",
    "application/xml",
}
GZIP_MIN_BYTES = 1024


@dataclass(frozen=True)
class FileEntry:
    """One published file."""

    name: str
    path: str  # relative to dist/
    media_type: str
    bytes: int | None = None
    sha256: str | None = None

    @property
    def is_text(self) -> bool:
        return self.media_type.startswith("text/") or self.media_type in TEXT_TYPES

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.is_text else self.media_type


#: Media types by file ending, for manifests that list only names (longest ending first).
BY_SUFFIX = (
    ("-metadata.json", "application/csvm+json"),
    ("context.jsonld", "application/ld+json"),
    (".ttl", "text/turtle"),
    (".jsonld", "application/ld+json"),
    (".nt", "application/n-triples"),
    (".rdf", "application/rdf+xml"),
    (".csv", "text/csv"),
    (".json", "application/json"),
    (".html", "text/html"),
    (".nq", "application/n-quads"),
    (".trig", "application/trig"),
)


def guess_media_type(name: str) -> str:
    """The media type of a published file from its name."""
    return next((m for suffix, m in BY_SUFFIX if name.endswith(suffix)), "application/octet-stream")


def _entry(path: str, info: Mapping[str, Any]) -> FileEntry:
    name = Path(path).name
    size = info.get("bytes", info.get("size"))
    return FileEntry(
        name=name,
        path=path,
        media_type=str(info.get("media_type") or info.get("mediaType") or guess_media_type(name)),
        bytes=size if isinstance(size, int) else None,
        sha256=str(info["sha256"]) if info.get("sha256") else None,
    )


def manifest_files(manifest: Mapping[str, Any]) -> list[FileEntry]:
    """The files under ``download/`` that a build lists in its manifest.

    ``files`` may be ``[{"name"|"path": …}]`` or ``{path: {…}}``; a bare name means
    ``download/<name>``.
    """
    files = manifest.get("files") or []
    pairs: list[tuple[str, Mapping[str, Any]]] = []
    if isinstance(files, Mapping):
        pairs = [(str(k), v if isinstance(v, Mapping) else {}) for k, v in files.items()]
    elif isinstance(files, list):
        pairs = [
            (str(i.get("path") or i.get("name") or ""), i) for i in files if isinstance(i, Mapping)
        ]
    entries = [_entry(p if "/" in p else f"download/{p}", info) for p, info in pairs if p]
    return sorted((e for e in entries if e.path.startswith("download/")), key=lambda e: e.name)


class _GzipCache:
    """Compressed bodies, computed once per file version."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, float], bytes] = {}

    def get(self, path: Path) -> bytes:
        key = (str(path), path.stat().st_mtime)
        if key not in self._cache:
            self._cache[key] = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        return self._cache[key]


def _etag(entry: FileEntry, path: Path) -> str:
    return entry.sha256 or hashlib.sha256(path.read_bytes()).hexdigest()


def _send(entry: FileEntry, path: Path, gz: _GzipCache) -> Response:
    use_gzip = (
        entry.is_text
        and path.stat().st_size >= GZIP_MIN_BYTES
        and request.accept_encodings["gzip"] > 0
    )
    body = gz.get(path) if use_gzip else path.read_bytes()
    response = Response(body, content_type=entry.content_type)
    response.set_etag(_etag(entry, path) + ("-gzip" if use_gzip else ""))
    response.last_modified = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    if use_gzip:
        response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    disposition = "inline" if entry.media_type == "text/html" else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{entry.name}"'
    return cast(Response, response.make_conditional(request))


def create_downloads_blueprint(config: Mapping[str, Any]) -> Blueprint:
    """``/download/`` (the list) and ``/download/<name>`` for the build in ``DIST_DIR``."""
    bp = Blueprint("downloads", __name__)
    dist = Path(config.get("DIST_DIR", "dist")).resolve()
    files = {e.name: e for e in manifest_files(config.get("MANIFEST", {}))}
    gz = _GzipCache()

    @bp.get("/download/")
    def index() -> str:
        return render_template("downloads.html", files=list(files.values()))

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
