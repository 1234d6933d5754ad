"""The console's parts in one object, for the pages, the API and the command line alike."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from console.accounts import Accounts
from console.audit import OK, REFUSED, AuditLog
from console.candidates import CHECKED, Candidates, UploadRefused
from console.config import ConsoleSettings
from console.preview import Previews
from console.publishing import Publisher
from console.releases import Releases
from console.sessions import Secret, Sessions
from console.storage import private_dir
from console.throttle import LoginThrottle


@dataclass
class Console:
    settings: ConsoleSettings
    accounts: Accounts
    sessions: Sessions
    secret: Secret
    throttle: LoginThrottle
    audit: AuditLog
    releases: Releases
    candidates: Candidates
    previews: Previews
    publisher: Publisher

    @classmethod
    def open(cls, settings: ConsoleSettings) -> Console:
        """The console over its state folder and releases (both made if missing)."""
        state = private_dir(settings.state_dir)
        settings.releases.mkdir(parents=True, exist_ok=True)
        audit = AuditLog(state)
        releases = Releases(settings.releases)
        candidates = Candidates(state / "candidates")

        def dist_of(candidate_id: str) -> Path | None:
            try:
                record = candidates.get(candidate_id)
            except KeyError:
                return None
            if record.get("status") != CHECKED:
                return None
            return candidates.folder(candidate_id) / "dist"

        return cls(
            settings=settings,
            accounts=Accounts(state),
            sessions=Sessions(state, idle=settings.console_session_minutes * 60.0),
            secret=Secret(state),
            throttle=LoginThrottle(),
            audit=audit,
            releases=releases,
            candidates=candidates,
            previews=Previews(dist_of),
            publisher=Publisher(settings, releases, candidates, audit),
        )

    def live_dist(self, release_id: str | None) -> Path | None:
        return None if release_id is None else self.releases.folder(release_id) / "dist"

    def upload(
        self,
        user: str,
        name: str,
        chunks: Iterable[bytes],
        *,
        title_ja: str = "",
        title_en: str = "",
    ) -> dict[str, Any]:
        """Receive, check and build an upload; every outcome is an audit line.

        :raises UploadRefused: a bad file name or too large (nothing was kept).
        """
        try:
            record = self.candidates.receive(name, chunks, self.settings.max_upload_bytes, user)
        except UploadRefused as refused:
            self.audit.append(user, "upload", REFUSED, table=_printable(name), message=str(refused))
            raise
        base = self.releases.current_id()
        record["base"] = base
        record = self.candidates.check(
            record,
            self.live_dist(base),
            Path(self.settings.console_publication),
            title_ja=title_ja.strip()[:300],
            title_en=title_en.strip()[:300],
        )
        self.audit.append(
            user,
            "upload",
            OK if record["status"] == CHECKED else REFUSED,
            candidate=record["id"],
            table=record["file"],
            table_sha256=record["table_sha256"],
            build_digest=record.get("build_digest"),
            message=f"{len(record.get('problems', []))} problem(s)"
            + (", SHACL" if record.get("shacl") else ""),
        )
        return record

    def discard(self, candidate_id: str, user: str) -> None:
        """:raises KeyError: no such candidate."""
        record = self.candidates.get(candidate_id)
        self.previews.close(candidate_id)
        self.candidates.remove(candidate_id)
        self.audit.append(user, "discard", OK, candidate=candidate_id, table=record.get("file"))

    def after_publish(self, candidate_id: str) -> None:
        """A published candidate's preview and build are not needed any more (its release
        keeps its own copy)."""
        self.previews.close(candidate_id)
        folder = self.candidates.folder(candidate_id)
        for part in ("dist", "source"):
            shutil.rmtree(folder / part, ignore_errors=True)


def _printable(name: str) -> str:
    return "".join(c if c.isprintable() else "?" for c in (name or ""))[:200]
