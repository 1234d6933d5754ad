"""Throttled sign-in: failures count per account and per address, and make the next try wait.

An account may fail :data:`FREE_PER_ACCOUNT` times in :data:`WINDOW` seconds, an address
:data:`FREE_PER_ADDRESS` times (an office behind one address has many people); each failure
past that doubles the wait, from :data:`FIRST_WAIT` seconds up to :data:`LONGEST_WAIT`.
While a wait runs, no password is checked at all (argon2 costs 64 MiB and 0.1 s a try), and
the page says how long to wait. A success clears the account's count, not the address's.
Kept in memory: one console process (README, the console).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

WINDOW = 15 * 60.0
FREE_PER_ACCOUNT = 5
FREE_PER_ADDRESS = 20
FIRST_WAIT = 30.0
LONGEST_WAIT = 15 * 60.0
MAX_KEYS = 10_000


@dataclass
class _Record:
    failures: list[float] = field(default_factory=list)


class LoginThrottle:
    def __init__(self) -> None:
        self._records: dict[str, _Record] = {}
        self._lock = threading.Lock()

    def wait(self, name: str, address: str, now: float | None = None) -> float:
        """Seconds before ``name`` may try again from ``address`` (0: now)."""
        now = time.time() if now is None else now
        with self._lock:
            return max(
                self._wait(f"account:{name}", FREE_PER_ACCOUNT, now),
                self._wait(f"address:{address}", FREE_PER_ADDRESS, now),
            )

    def failed(self, name: str, address: str, now: float | None = None) -> None:
        now = time.time() if now is None else now
        with self._lock:
            if len(self._records) >= MAX_KEYS:
                self._forget(now)
            for key in (f"account:{name}", f"address:{address}"):
                self._records.setdefault(key, _Record()).failures.append(now)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._records.pop(f"account:{name}", None)

    def _wait(self, key: str, free: int, now: float) -> float:
        record = self._records.get(key)
        if record is None:
            return 0.0
        record.failures = [t for t in record.failures if now - t < WINDOW]
        over = len(record.failures) - free
        if over < 0:
            return 0.0
        wait = min(FIRST_WAIT * 2**over, LONGEST_WAIT)
        return max(0.0, record.failures[-1] + wait - now)

    def _forget(self, now: float) -> None:
        for key, record in list(self._records.items()):
            if not record.failures or now - record.failures[-1] >= WINDOW:
                del self._records[key]
