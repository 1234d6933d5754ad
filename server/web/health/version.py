"""What ``/__version__`` tells: the code running and the release it serves."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from converter import __version__
from converter.contract import Manifest
from server.errors import StoreError
from server.stores.base import Store
from server.web.common.publication import published_editions

NAME = "fukushima-dx-lod"
ROOT = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class Code:
    version: str
    commit: str | None

    @classmethod
    def running(cls, commit: str | None) -> Code:
        """This code; its commit as configured (``DX_SOURCE_COMMIT``), else its checkout's."""
        return cls(__version__, commit or git_commit(ROOT / ".git"))

    def as_json(self) -> dict[str, object]:
        return {"name": NAME, "version": self.version, "commit": self.commit}


def git_commit(git: Path) -> str | None:
    """The commit ``HEAD`` names, read from the files (no ``git`` process on a request path):
    a detached HEAD holds it; a branch's is in its ref file or in ``packed-refs``."""
    try:
        head = (git / "HEAD").read_text(encoding="ascii").strip()
        if not head.startswith("ref: "):
            return head or None
        ref = head.removeprefix("ref: ")
        loose = git / ref
        if loose.is_file():
            return loose.read_text(encoding="ascii").strip() or None
        for line in (git / "packed-refs").read_text(encoding="ascii").splitlines():
            commit, _, name = line.partition(" ")
            if name == ref:
                return commit
    except (OSError, UnicodeDecodeError):
        return None
    return None


def release(store: Store, manifest: Manifest | None, dist_dir: Path) -> dict[str, object]:
    """The data served: its digest and editions as the store tells now (None while it
    cannot be asked), the build's date, and the console's release id when the build is a
    release's (``<releases>/<id>/dist``, beside its ``release.json``)."""
    try:
        digest = store.data_version()
        editions = sorted({year for year, _ in published_editions(store)})
    except StoreError:
        digest, editions = None, []
    found: dict[str, object] = {
        "digest": digest,
        "editions": editions,
        "edition": editions[-1] if editions else None,
        "modified": manifest.modified if manifest is not None else None,
    }
    if manifest is not None and (dist_dir.parent / "release.json").is_file():
        found["id"] = dist_dir.parent.name
    return found
