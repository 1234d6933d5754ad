"""Publish a candidate, roll back to a release, make the first release: one at a time.

Each runs under the releases' publish lock (``fcntl.flock``, :meth:`Releases.lock`): a
second publisher is refused at once and told who holds it. Under the lock, what a killed
run left is cleared first (:meth:`Releases.recover`), then:

- **publish**: the candidate must have been checked against the release live now (else
  its changes are stale: check it again); a removal needs a confirmation with a reason.
  The release is written whole (:meth:`Releases.stage`), published into the remote store
  when there is one (``converter publish``, :func:`converter.publish.publish`), then made
  live by the ``current`` link's rename; its record gets the audit line.
- **rollback**: an earlier release is made live again the same way (the store first).

Every outcome, refusals and failures included, is an audit line.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from console.accounts import now_iso
from console.audit import FAILED, OK, REFUSED, AuditLog
from console.candidates import CHECKED, Candidates, build_digest, digest
from console.config import ConsoleSettings
from console.releases import Busy, Releases, new_id
from console.source import PUBLICATION, copy_publication, table_name
from converter.build import build
from converter.config import load_publication
from converter.errors import ConverterError
from converter.publish import PublishError, endpoints, publish


class Refused(RuntimeError):
    """The action was not done; ``status`` is the HTTP status that says why (the message
    is for people, Japanese first)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


STALE = (
    "この候補を確認した後で公開中の版が変わりました（{base} → {live}）。もう一度アップロードして"
    "確認してください / the live release changed after this candidate was checked ({base} → "
    "{live}): upload it again to see its changes against what is live now"
)
UNCONFIRMED = (
    "公開中のデータを削除します。削除を確認し、理由を書いてください / this removes published "
    "data: confirm the removals and give a reason"
)


@dataclass(frozen=True)
class Publisher:
    settings: ConsoleSettings
    releases: Releases
    candidates: Candidates
    audit: AuditLog

    def publish(
        self, candidate_id: str, user: str, reason: str = "", confirm_removals: bool = False
    ) -> dict[str, Any]:
        """Make the checked candidate the live release; returns the release's record.

        :raises KeyError: no such candidate.
        :raises Refused: not checked (409), stale (409), removals unconfirmed (422), another
            publish running (409), the store failed (502).
        """
        candidate = self.candidates.get(candidate_id)
        reason = reason.strip()[:2000]
        log = dict(
            candidate=candidate_id,
            table=candidate.get("file"),
            table_sha256=candidate.get("table_sha256"),
            build_digest=candidate.get("build_digest"),
            reason=reason,
        )
        if candidate.get("status") != CHECKED:
            raise self._refuse(user, "publish", log, _NOT_CHECKED, 409)
        removals = candidate["changes"]["removals"]
        if removals and not (confirm_removals and reason):
            raise self._refuse(user, "publish", log, UNCONFIRMED, 422)
        try:
            with self._lock(user, "publish") as step:
                self._recover(user)
                live = self.releases.current_id()
                if live != candidate.get("base"):
                    message = STALE.format(base=candidate.get("base"), live=live)
                    raise self._refuse(user, "publish", log, message, 409)
                release_id = new_id()
                record = _record(release_id, candidate, user, reason, live)
                step("staging")
                folder = self.candidates.folder(candidate_id)
                release = self.releases.stage(
                    release_id, folder / "dist", folder / "source", record
                )
                step("staged")
                try:
                    self._go_live(step, user, "publish", release_id, release / "dist", log, live)
                except Refused:
                    self.releases.discard(release_id)  # never live: the audit line says why
                    raise
        except Busy as busy:
            raise self._refuse(user, "publish", log, str(busy), 409) from None
        candidate["status"] = "published"
        candidate["release"] = release_id
        self.candidates.save(candidate)
        return self.releases.record(release_id)

    def rollback(self, release_id: str, user: str, reason: str) -> dict[str, Any]:
        """Make the earlier release ``release_id`` live again.

        :raises KeyError: no such release.
        :raises Refused: no reason (422), already live (409), another publish running (409),
            the store failed (502).
        """
        record = self.releases.record(release_id)
        reason = reason.strip()[:2000]
        log = dict(
            release=release_id,
            table_sha256=record["table"]["sha256"],
            build_digest=record["build"]["digest"],
            reason=reason,
        )
        if not reason:
            message = "切り戻す理由を書いてください / give the reason for the roll-back"
            raise self._refuse(user, "rollback", log, message, 422)
        try:
            with self._lock(user, "rollback") as step:
                self._recover(user)
                live = self.releases.current_id()
                if live == release_id:
                    message = "その版はもう公開中です / that release is already live"
                    raise self._refuse(user, "rollback", log, message, 409)
                dist = self.releases.folder(release_id) / "dist"
                self._go_live(step, user, "rollback", release_id, dist, log, live)
        except Busy as busy:
            raise self._refuse(user, "rollback", log, str(busy), 409) from None
        return self.releases.record(release_id)

    def init(self, user: str, publication: Path, scratch: Path) -> dict[str, Any]:
        """The first release, built from ``publication`` (refused once there is one).

        :raises Refused: a release is live already (409), another run holds the lock.
        :raises ConverterError: the publication does not build.
        """
        try:
            with self._lock(user, "init") as step:
                self._recover(user)
                if self.releases.current_id() is not None:
                    message = "公開中の版がもうあります / a release is live already"
                    raise self._refuse(user, "init", {}, message, 409)
                copy_publication(publication, scratch / "source")
                build(scratch / "source" / PUBLICATION, scratch / "dist")
                release_id = new_id()
                editions = load_publication(scratch / "source" / PUBLICATION).editions
                candidate = {
                    "editions": [e.fiscal_year for e in editions],
                    "fiscal_year": editions[-1].fiscal_year,
                    "file": _table_of(scratch / "source"),
                    "table_sha256": _sha(scratch / "source" / _table_of(scratch / "source")),
                    "build_digest": build_digest(scratch / "dist"),
                    "changes": {"first": True, "removals": 0, "text": "", "editions": []},
                }
                record = _record(release_id, candidate, user, "初回の公開 / first release", None)
                step("staging")
                release = self.releases.stage(
                    release_id, scratch / "dist", scratch / "source", record
                )
                log = dict(table_sha256=candidate["table_sha256"], reason=record["reason"])
                log["build_digest"] = candidate["build_digest"]
                self._go_live(step, user, "init", release_id, release / "dist", log, None)
        except Busy as busy:
            raise self._refuse(user, "init", {}, str(busy), 409) from None
        return self.releases.record(release_id)

    def _go_live(
        self,
        step: Any,
        user: str,
        action: str,
        release_id: str,
        dist: Path,
        log: dict[str, Any],
        previous: str | None,
    ) -> None:
        """The store (if any), then the link, then the records."""
        if self.settings.publish_store:
            step("store")
            try:
                ends = endpoints(self.settings.publish_store)
                publish(
                    dist,
                    store_url=ends.store_url,
                    query_url=ends.query_url,
                    update_url=ends.update_url,
                    user=self.settings.store_user,
                    password=self.settings.store_password,
                )
            except (PublishError, ConverterError) as error:
                entry = self.audit.append(
                    user, action, FAILED, release=release_id, message=str(error), **_no(log)
                )
                self._note(release_id, entry)
                raise Refused(
                    f"ストアへの公開に失敗しました。公開中の版は変わっていません / the store "
                    f"refused the release; the live release is unchanged: {error}",
                    502,
                ) from error
        step("switching")
        self.releases.switch(release_id)
        step("recording")
        entry = self.audit.append(
            user, action, OK, release=release_id, previous=previous, **_no(log)
        )

        def went_live(record: dict[str, Any]) -> None:
            record.setdefault("went_live", []).append(entry["time"])
            record["previous"] = previous
            record.setdefault("audit", []).append(entry)

        self.releases.update(release_id, went_live)
        for removed in self.releases.prune(self.settings.releases_keep):
            self.audit.append(user, "prune", OK, release=removed)

    @contextmanager
    def _lock(self, user: str, action: str) -> Iterator[Callable[[str], None]]:
        """The publish lock (:meth:`Releases.lock`), whose steps also honour the crash point
        ``DX_CONSOLE_CRASH_AT``: the tests' way to cut the power at one exact step."""
        with self.releases.lock(user, action) as note:

            def step(name: str) -> None:
                note(name)
                if name == self.settings.console_crash_at:
                    os.kill(os.getpid(), signal.SIGKILL)

            yield step

    def _recover(self, user: str) -> None:
        done = self.releases.recover()
        if done:
            self.audit.append(user, "recover", OK, message="; ".join(done))

    def _note(self, release_id: str, entry: dict[str, Any]) -> None:
        try:
            self.releases.update(release_id, lambda r: r.setdefault("audit", []).append(entry))
        except KeyError:
            pass

    def _refuse(
        self, user: str, action: str, log: dict[str, Any], message: str, status: int
    ) -> Refused:
        self.audit.append(user, action, REFUSED, message=message, **log)
        return Refused(message, status)


_NOT_CHECKED = (
    "この候補は公開できません（問題があるか、公開済みか、取り消されています） / this candidate "
    "cannot be published (it has problems, or was published or discarded)"
)


def _no(log: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in log.items() if k != "release"}


def _record(
    release_id: str, candidate: dict[str, Any], user: str, reason: str, base: str | None
) -> dict[str, Any]:
    changes = candidate["changes"]
    return {
        "id": release_id,
        "created": now_iso(),
        "user": user,
        "reason": reason,
        "table": {
            "name": candidate["file"],
            "sha256": candidate["table_sha256"],
            "stored": candidate.get("stored") or _stored_name(candidate),
        },
        "build": {"digest": candidate["build_digest"]},
        "editions": candidate.get("editions", []),
        "fiscal_year": candidate.get("fiscal_year"),
        "candidate": candidate.get("id"),
        "base": base,
        "changes": {
            "first": changes["first"],
            "removals": changes["removals"],
            "summary": summary(changes),
            "text": changes["text"],
        },
    }


def summary(changes: dict[str, Any]) -> str:
    """One line: per edition, what is added, removed and changed."""
    if changes.get("first"):
        return "初回の公開 / first publication"
    parts = []
    for edition in changes["editions"]:
        counts = [sum(len(v) for v in edition[k].values()) for k in ("added", "removed", "changed")]
        state = {"new": "新規 new", "dropped": "公開終了 dropped"}.get(edition["state"], "")
        parts.append(
            f"FY{edition['year']}{f'（{state}）' if state else ''}: +{counts[0]} −{counts[1]} "
            f"~{counts[2]}"
        )
    return "; ".join(parts) or "変更なし / no changes"


def _stored_name(candidate: dict[str, Any]) -> str:
    year = candidate.get("fiscal_year")
    suffix = Path(candidate["file"]).suffix
    return table_name(year, suffix) if year else candidate["file"]


def _table_of(source: Path) -> str:
    return load_publication(source / PUBLICATION).editions[-1].table.name


def _sha(path: Path) -> str:
    return digest(path)
