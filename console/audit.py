"""The audit log: one JSON line per action, appended, never rewritten.

``<state>/audit.jsonl`` (0600). Each line has ``time`` (UTC), ``user``, ``action`` and
``result`` (``ok``, ``refused`` or ``failed``), and what the action concerned: the
candidate, the release, the table's and the build's digests, the reason, a message. Sign-in
attempts are logged too (never a password). A publish or roll-back also writes its line
into the release's own record (``release.json``, :mod:`console.releases`).
"""

from __future__ import annotations

import json
from collections import deque
from pathlib import Path
from typing import Any

from console.accounts import now_iso
from console.storage import append_line

OK, REFUSED, FAILED = "ok", "refused", "failed"

Entry = dict[str, Any]


class AuditLog:
    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / "audit.jsonl"

    def append(self, user: str, action: str, result: str, **details: Any) -> Entry:
        """Log one action; details with a value of None are left out."""
        entry: Entry = {"time": now_iso(), "user": user, "action": action, "result": result}
        entry.update({k: v for k, v in details.items() if v is not None and v != ""})
        append_line(self.path, json.dumps(entry, ensure_ascii=False, sort_keys=False))
        return entry

    def latest(self, count: int = 200) -> list[Entry]:
        """The last ``count`` entries, newest first (a line that is not JSON is skipped)."""
        try:
            with self.path.open(encoding="utf-8") as lines:
                tail = deque(lines, maxlen=count)
        except FileNotFoundError:
            return []
        entries = []
        for line in reversed(tail):
            try:
                entries.append(json.loads(line))
            except ValueError:
                continue
        return entries
