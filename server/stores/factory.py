"""The store a server reads, chosen by its settings."""

from __future__ import annotations

from pathlib import Path

from server.config import Settings
from server.stores.base import Store
from server.stores.local import LocalStore
from server.stores.remote import RemoteStore


def store_from_settings(settings: Settings) -> Store:
    """A :class:`RemoteStore` when ``store_url`` is set, else the embedded build.

    :raises BuildUnavailable: the build in ``dist_dir`` cannot be loaded.
    :raises ValueError: the remote store's timeout or graph-list TTL is out of range.
    """
    if settings.store_url:
        return RemoteStore(
            settings.store_url,
            timeout=settings.store_timeout,
            graphs_ttl=settings.store_graphs_ttl,
        )
    return LocalStore.from_build(Path(settings.dist_dir))
