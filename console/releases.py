"""Releases: one folder per build the public server can serve, and the ``current`` link.

```
<releases>/
  <id>/                 one release, never changed once made (but for its record)
    dist/               the build the public server serves
    source/             publication.toml, the tables, their CSVW metadata, organizations.csv
    release.json        who, when, the digests, the changes, the reason, its audit lines
  current -> <id>/dist  the live release: the public server's DX_DIST_DIR
  .publish.lock         flock of the one publish or roll-back at a time (and who holds it)
  .staging-<id>/        a release being written (a crash leaves it; the next publish removes it)
```

A release is written whole beside the others (``.staging-<id>``), flushed to disk and
renamed into place; only then does ``current`` change, by a new link renamed over the old
one (``os.replace``; ``ln -sfn`` unlinks first and is not atomic). Whoever reads
``current`` finds one whole release, the old or the new, at every instant: a console
killed at any step leaves the public site as it was or fully switched.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from console.storage import read_json, sync_dir, write_json

CURRENT = "current"
RECORD = "release.json"
LOCK = ".publish.lock"
ID = re.compile(r"[0-9]{8}T[0-9]{6}\.[0-9]{3}Z-[0-9a-f]{6}")

Record = dict[str, Any]


class Busy(RuntimeError):
    """Another publish or roll-back holds the lock; ``holder`` says whose and since when."""

    def __init__(self, holder: dict[str, Any]) -> None:
        self.holder = holder
        who, what = holder.get("user", "?"), holder.get("action", "?")
        since = holder.get("since", "?")
        super().__init__(
            f"{who} さんが {since} から{_ACTION_JA.get(what, what)}の作業中です。終わってから"
            f"やり直してください / {who} is running a {what} since {since}; try again when "
            "it is done"
        )


_ACTION_JA = {"publish": "公開", "rollback": "切り戻し", "init": "初回の公開"}


def new_id() -> str:
    """``20261208T101500.123Z-3f2a1b``: ids sort as the releases were made."""
    now = datetime.now(UTC)
    return now.strftime("%Y%m%dT%H%M%S.") + f"{now.microsecond // 1000:03d}Z-{secrets.token_hex(3)}"


@dataclass(frozen=True)
class Releases:
    root: Path

    @property
    def link(self) -> Path:
        return self.root / CURRENT

    def current_id(self) -> str | None:
        """The live release's id (None before the first publish)."""
        try:
            target = os.readlink(self.link)
        except OSError:
            return None
        first = target.split("/", 1)[0]
        return first if ID.fullmatch(first) else None

    def folder(self, release_id: str) -> Path:
        """:raises KeyError: not a release id, or no such release."""
        if not ID.fullmatch(release_id) or not (self.root / release_id / RECORD).is_file():
            raise KeyError(release_id)
        return self.root / release_id

    def record(self, release_id: str) -> Record:
        """:raises KeyError: no such release."""
        record = read_json(self.folder(release_id) / RECORD)
        assert isinstance(record, dict)
        return record

    def all(self) -> list[Record]:
        """Every release's record, newest first."""
        if not self.root.is_dir():
            return []
        found = []
        for entry in sorted(os.listdir(self.root), reverse=True):
            if ID.fullmatch(entry) and (self.root / entry / RECORD).is_file():
                found.append(self.record(entry))
        return found

    def stage(self, release_id: str, dist: Path, source: Path, record: Record) -> Path:
        """Write the release ``release_id`` whole, then rename it into place."""
        self.root.mkdir(parents=True, exist_ok=True)
        staging = self.root / f".staging-{release_id}"
        shutil.copytree(dist, staging / "dist")
        shutil.copytree(source, staging / "source")
        write_json(staging / RECORD, record)
        _sync_tree(staging)
        final = self.root / release_id
        os.replace(staging, final)
        sync_dir(self.root)
        return final

    def switch(self, release_id: str) -> None:
        """Point ``current`` at ``release_id`` in one rename."""
        self.folder(release_id)
        temporary = self.root / f".current-{secrets.token_hex(4)}"
        os.symlink(f"{release_id}/dist", temporary)
        try:
            os.replace(temporary, self.link)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        sync_dir(self.root)

    def update(self, release_id: str, change: Callable[[Record], None]) -> Record:
        """Change a release's record (under the publish lock)."""
        path = self.folder(release_id) / RECORD
        record = read_json(path)
        change(record)
        write_json(path, record)
        return dict(record)

    def recover(self) -> list[str]:
        """Clear what a publish killed midway left (under the publish lock); what was done.

        A staging folder or temporary link is removed. A release that never went live and is
        not live is removed (it was killed before its switch). The live release without its
        ``went_live`` (killed after the switch) gets it.
        """
        done: list[str] = []
        if not self.root.is_dir():
            return done
        live = self.current_id()
        for entry in sorted(os.listdir(self.root)):
            path = self.root / entry
            if entry.startswith((".staging-", ".trash-")):
                shutil.rmtree(path, ignore_errors=True)
                done.append(f"removed {entry}")
            elif entry.startswith(".current-"):
                path.unlink(missing_ok=True)
                done.append(f"removed {entry}")
            elif ID.fullmatch(entry) and (path / RECORD).is_file():
                record = self.record(entry)
                if record.get("went_live"):
                    continue
                if entry == live:
                    self.update(entry, lambda r: r.setdefault("went_live", [r["created"]]))
                    done.append(f"recorded {entry} as live")
                else:
                    _remove(path)
                    done.append(f"removed {entry} (never went live)")
        if done:
            sync_dir(self.root)
        return done

    def discard(self, release_id: str) -> None:
        """Remove a release that never went live (its store refused it)."""
        if release_id != self.current_id():
            _remove(self.folder(release_id))

    def prune(self, keep: int) -> list[str]:
        """Remove all but the newest ``keep`` releases; never the live one or the one live
        before it (its pages may still be answering)."""
        live = self.current_id()
        protected = {live}
        if live is not None:
            protected.add(self.record(live).get("previous"))
        records = self.all()
        removed = []
        for record in records[max(keep, 0) :]:
            if record["id"] not in protected:
                _remove(self.root / record["id"])
                removed.append(record["id"])
        return removed

    @contextmanager
    def lock(self, user: str, action: str) -> Iterator[Callable[[str], None]]:
        """Hold the publish lock, or raise :class:`Busy` at once; yields a function that
        notes the step reached (read by whoever is refused).

        :raises Busy: another publish or roll-back holds it.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise Busy(_holder(fd)) from None
            holder = {"user": user, "action": action, "since": _now(), "pid": os.getpid()}

            def step(name: str) -> None:
                text = json.dumps({**holder, "step": name}, ensure_ascii=False).encode()
                os.ftruncate(fd, 0)
                os.pwrite(fd, text, 0)

            step("start")
            try:
                yield step
            finally:
                os.ftruncate(fd, 0)
        finally:
            os.close(fd)


def _holder(fd: int) -> dict[str, Any]:
    try:
        data = os.pread(fd, 4096, 0)
        holder = json.loads(data) if data else {}
    except (OSError, ValueError):
        holder = {}
    return holder if isinstance(holder, dict) else {}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _remove(path: Path) -> None:
    """Rename first, then delete: a half-deleted release never looks like a release."""
    trash = path.with_name(f".trash-{path.name}")
    os.replace(path, trash)
    shutil.rmtree(trash, ignore_errors=True)


def _sync_tree(root: Path) -> None:
    """fsync every file and folder under ``root`` (before it is renamed into place)."""
    for folder, _, files in os.walk(root):
        for name in files:
            fd = os.open(os.path.join(folder, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        sync_dir(Path(folder))
