"""What a feature is built over: the store, the settings and the served build."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from converter.contract import Manifest
from server.config import Settings
from server.stores.base import Store


@dataclass(frozen=True)
class Context:
    """Handed to every feature's ``create_blueprint`` (server/web/__init__.py)."""

    store: Store
    settings: Settings
    manifest: Manifest | None  #: the served build's (None over a remote store)
    dist_dir: Path  #: where the build's files are (downloads, the ontology's page)
