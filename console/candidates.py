"""Candidates: an uploaded table, its check report, its build and its changes against live.

``<state>/candidates/<id>/`` (the id is 64 random bits: it is also the preview's path):

```
candidate.json   who, when, the file, its SHA-256, the problems or the changes, the status
upload/<name>    the file as uploaded (its name checked: no folder, no control character)
source/          the live release's source with this table in it (console.source)
dist/            the build of source/ (converter.build: the SHACL gate included)
```

Nothing here touches the releases: a candidate becomes a release only when it is
published (:mod:`console.publishing`).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from console.accounts import now_iso
from console.checking import check_table, problem_record
from console.source import ORGANIZATIONS, PUBLICATION, copy_publication, with_table
from console.storage import private_dir, read_json, write_json
from converter.build import build
from converter.changes import Changes, compare
from converter.config import EditionConfig, load_publication
from converter.contract import MANIFEST_NAME
from converter.errors import ConverterError, ValidationFailed
from converter.workbook.sheet import WORKBOOK_SUFFIXES

ID = re.compile(r"[0-9a-f]{16}")
SUFFIXES = (".csv", *WORKBOOK_SUFFIXES)
KEEP = 30  #: candidates kept (the oldest go first)
REJECTED, CHECKED, PUBLISHED, DISCARDED = "rejected", "checked", "published", "discarded"
#: One build at a time: the machine has two cores and the public server needs them.
_BUILDING = threading.Semaphore(1)


class UploadRefused(ValueError):
    """The upload cannot be taken at all (its name or size); nothing was written."""


def digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as data:
        for chunk in iter(lambda: data.read(1 << 20), b""):
            sha.update(chunk)
    return sha.hexdigest()


def build_digest(dist: Path) -> str:
    """The build's digest: SHA-256 of its manifest, which holds every file's SHA-256."""
    return hashlib.sha256((dist / MANIFEST_NAME).read_bytes()).hexdigest()


def check_name(name: str) -> str:
    """The uploaded file's name, if it is a plain file name of a table.

    :raises UploadRefused: empty, a path (``../../etc/x.xlsx``, ``C:\\x.csv``), a hidden
        name, control characters, or not a table's extension.
    """
    name = unicodedata.normalize("NFC", name or "")
    if not name.strip():
        raise UploadRefused("ファイルを選んでください / choose a file")
    if "/" in name or "\\" in name or name.startswith(".") or ".." in name:
        raise UploadRefused(
            "ファイル名にフォルダー（/ \\ ..）を含めないでください。"
            "名前だけのファイルを選んでください"
            " / the file name must not contain a folder (/ \\ ..): upload the file by its name"
        )
    if any(unicodedata.category(c)[0] == "C" for c in name) or len(name) > 120:
        raise UploadRefused(
            "ファイル名に使えない文字があるか、長すぎます（120文字まで） / the file name has "
            "control characters or is longer than 120 characters"
        )
    if Path(name).suffix.lower() not in SUFFIXES:
        raise UploadRefused(
            "CSV（.csv）か Excel ブック（.xlsx）を選んでください / upload a CSV (.csv) or an "
            "Excel workbook (.xlsx)"
        )
    return name


@dataclass(frozen=True)
class Candidates:
    root: Path

    def folder(self, candidate_id: str) -> Path:
        """:raises KeyError: not a candidate id, or no such candidate."""
        if not ID.fullmatch(candidate_id) or not (self.root / candidate_id).is_dir():
            raise KeyError(candidate_id)
        return self.root / candidate_id

    def get(self, candidate_id: str) -> dict[str, Any]:
        """:raises KeyError: no such candidate."""
        record = read_json(self.folder(candidate_id) / "candidate.json")
        if not isinstance(record, dict):
            raise KeyError(candidate_id)
        return record

    def all(self) -> list[dict[str, Any]]:
        """Every candidate, newest first."""
        if not self.root.is_dir():
            return []
        found = []
        for entry in os.listdir(self.root):
            try:
                found.append(self.get(entry))
            except (KeyError, ValueError):
                continue
        return sorted(found, key=lambda c: c["created"], reverse=True)

    def save(self, record: dict[str, Any]) -> None:
        write_json(self.folder(record["id"]) / "candidate.json", record)

    def remove(self, candidate_id: str) -> None:
        shutil.rmtree(self.folder(candidate_id), ignore_errors=True)

    def receive(self, name: str, chunks: Iterable[bytes], limit: int, user: str) -> dict[str, Any]:
        """Save an upload as a new candidate (nothing is checked yet).

        :raises UploadRefused: a bad name, or more than ``limit`` bytes (nothing is kept).
        """
        name = check_name(name)
        private_dir(self.root)
        candidate_id = secrets.token_hex(8)
        folder = self.root / candidate_id
        (folder / "upload").mkdir(parents=True)
        path = folder / "upload" / name
        size = 0
        try:
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
                for chunk in chunks:
                    size += len(chunk)
                    if size > limit:
                        raise UploadRefused(too_large(limit))
                    out.write(chunk)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        record = {
            "id": candidate_id,
            "status": "received",
            "user": user,
            "created": now_iso(),
            "file": name,
            "bytes": size,
            "table_sha256": digest(path),
        }
        write_json(folder / "candidate.json", record)
        self._prune()
        return record

    def check(
        self,
        record: dict[str, Any],
        live: Path | None,
        publication: Path,
        *,
        title_ja: str = "",
        title_en: str = "",
    ) -> dict[str, Any]:
        """Check the candidate's table, build it over ``live``'s source (or, before the
        first release, over ``publication``) and compare the build with ``live``."""
        folder = self.folder(record["id"])
        upload = folder / "upload" / record["file"]
        base_source = live.parent / "source" if live is not None else None
        with _BUILDING:
            organizations = _organizations(base_source, publication)
            found = check_table(upload, organizations)
            record["warnings"] = found.warnings
            record["problems"] = [problem_record(p) for p in found.problems]
            if not found.ok:
                record["status"] = REJECTED
                self.save(record)
                return record
            assert found.table is not None
            year = found.table.fiscal_year
            record["fiscal_year"] = year
            try:
                state = self._build(
                    folder, upload, year, base_source, publication, title_ja, title_en
                )
            except ValidationFailed as failed:
                record.update(status=REJECTED, shacl=failed.report_text)
                self.save(record)
                return record
            except ConverterError as error:
                record.update(status=REJECTED, problems=[{"where": "", "problem": str(error)}])
                self.save(record)
                return record
        dist = folder / "dist"
        pub = load_publication(folder / "source" / PUBLICATION)
        if state == "new":
            record["warnings"].append(new_edition_note(pub.editions, year, bool(title_ja)))
        record["edition_state"] = "new" if live is None else _state(live, year)
        record["build_digest"] = build_digest(dist)
        record["changes"] = changes_record(_compare(live, dist, pub.base_iri))
        record["editions"] = [e.fiscal_year for e in pub.editions]
        record["status"] = CHECKED
        self.save(record)
        return record

    def _build(
        self,
        folder: Path,
        upload: Path,
        year: int,
        base_source: Path | None,
        publication: Path,
        title_ja: str,
        title_en: str,
    ) -> str:
        source = folder / "source"
        if base_source is None:
            base_source = folder / "base"
            copy_publication(publication, base_source)
        try:
            state = with_table(
                base_source, source, upload, year, title_ja=title_ja, title_en=title_en
            )
        finally:
            shutil.rmtree(folder / "base", ignore_errors=True)
        build(source / PUBLICATION, folder / "dist", allow_removals=True)
        return state

    def _prune(self) -> None:
        for old in self.all()[KEEP:]:
            self.remove(old["id"])


def new_edition_note(editions: list[EditionConfig], year: int, titled: bool) -> str:
    """What the staff should check of a new edition's metadata (and title, unless given)."""
    entry = next(e for e in editions if e.fiscal_year == year)
    what = "CSVW メタデータ" if titled else f"題名「{entry.title_ja}」と CSVW メタデータ"
    return (
        f"新しい年度版です。{what}（{entry.source_name}-metadata.json）は、前の年度版のものの"
        "年度を置き換えて作りました。プレビューとダウンロードで説明文を確かめてください / a new "
        "edition: its CSVW metadata (and title, unless given) are the nearest edition's with "
        "the year changed; check their descriptions"
    )


def too_large(limit: int) -> str:
    return (
        f"ファイルが大きすぎます（上限 {limit // 2**20} MiB）。"
        "年度版の表はふつう 1 MiB もありません。"
        f"正しいファイルか確かめてください / the file is larger than {limit // 2**20} MiB; "
        "a yearly table is well under 1 MiB: is it the right file?"
    )


def _organizations(base_source: Path | None, publication: Path) -> Path:
    if base_source is not None:
        return base_source / ORGANIZATIONS
    return load_publication(publication).organizations


def _state(live: Path, year: int) -> str:
    from converter.contract import Manifest

    return "updated" if year in Manifest.read(live).editions else "new"


def _compare(live: Path | None, dist: Path, base_iri: str) -> Changes:
    """The candidate's edition graphs against the live build's (the removals gate's
    comparison, :func:`converter.changes.compare`)."""
    if live is None:
        return Changes([], first=True)
    built = {
        int(path.stem[2:]): path.read_bytes()
        for path in (dist / "graphs").glob("fy*.nt")
        if path.stem[2:].isdigit()
    }
    return compare(live, built, base_iri)


def changes_record(changes: Changes) -> dict[str, Any]:
    """The changes as JSON: per edition, the keys added, removed and changed by kind."""
    return {
        "first": changes.first,
        "removals": sum(e.removals for e in changes.editions),
        "text": changes.text(),
        "editions": [
            {
                "year": e.year,
                "state": e.state,
                "added": e.added,
                "removed": e.removed,
                "changed": e.changed,
                "details": e.details,
            }
            for e in changes.editions
        ],
    }
