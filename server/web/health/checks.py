"""Readiness: what must hold for this process to serve readers (``/__heartbeat__``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from server.errors import StoreError, StoreUnavailable
from server.stores.base import Store
from server.web.common.publication import published_editions

#: Seconds a balancer should wait before asking again after a failed check.
RETRY_AFTER = StoreUnavailable.retry_after


@dataclass(frozen=True)
class Readiness:
    """Each check's verdict: ``"ok"`` or what failed, in words."""

    checks: dict[str, str] = field(default_factory=dict)
    editions: tuple[int, ...] = ()
    retry_after: int = RETRY_AFTER

    @property
    def ok(self) -> bool:
        return all(verdict == "ok" for verdict in self.checks.values())

    def as_json(self) -> dict[str, object]:
        return {
            "status": "ok" if self.ok else "error",
            "checks": self.checks,
            "editions": list(self.editions),
        }


def readiness(store: Store) -> Readiness:
    """Ask the store once (a real round trip, not a cached list): does it answer, and does
    it serve at least one edition? A store that fails says so in the ``store`` check; one
    that answers without any edition (an empty or half-published store) fails ``build``."""
    try:
        editions = tuple(sorted({year for year, _ in published_editions(store)}))
    except StoreError as exc:
        return Readiness({"store": f"{type(exc).__name__}: {exc}", "build": "unknown"})
    build = "ok" if editions else "the store serves no edition: nothing is published"
    return Readiness({"store": "ok", "build": build}, editions)
