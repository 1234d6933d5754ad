"""A folder's contents as a comparable value: "left byte-identical" is one equality."""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_digests(folder: Path) -> dict[str, str]:
    """``{relative path: sha256}`` of every file below ``folder`` (folders map to ``"dir"``,
    so an added empty folder shows too)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        if p.is_file()
        else "dir"
        for p in sorted(folder.rglob("*"))
    }
