"""Files the console writes: whole or not at all, readable by its own user only.

- :func:`write_atomic`: a temporary file beside the target (created 0600), written, flushed
  to disk (``fsync``), then renamed over the target (``os.replace``) and the folder synced:
  a reader sees the old file or the new one, and a crash leaves one of them.
- :func:`append_line`: one ``write`` of one line to a file opened ``O_APPEND`` (the audit
  log), then ``fsync``: lines of two writers never interleave.
- :func:`exclusive`: an ``fcntl.flock`` on a lock file, for read-modify-write of a state
  file shared with the command line (``python -m console add-user``).
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PRIVATE = 0o600
PRIVATE_DIR = 0o700


def private_dir(path: Path) -> Path:
    """``path`` as a folder only its owner may enter (created if missing)."""
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    os.chmod(path, PRIVATE_DIR)
    return path


def sync_dir(path: Path) -> None:
    """Flush a folder's entries (a rename or a new link) to disk."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes, *, mode: int = PRIVATE) -> None:
    """Replace ``path`` with ``data`` in one rename (see the module docstring)."""
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fchmod(out.fileno(), mode)
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    sync_dir(path.parent)


def write_json(path: Path, value: Any) -> None:
    write_atomic(path, json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8") + b"\n")


def read_json(path: Path, default: Any = None) -> Any:
    """The JSON in ``path``; ``default`` when there is no such file.

    :raises ValueError: the file is not JSON (a state file someone edited badly).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return default
    return json.loads(text)


def append_line(path: Path, line: str) -> None:
    """Append ``line`` and a line break in one ``write``, then flush it to disk."""
    data = (line.replace("\n", " ") + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, PRIVATE)
    try:
        written = os.write(fd, data)
        while written < len(data):  # a regular file takes it whole; this is for the odd case
            written += os.write(fd, data[written:])
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def exclusive(lock_file: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``lock_file`` (waiting for it) for the block."""
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, PRIVATE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
