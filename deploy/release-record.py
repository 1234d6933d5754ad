"""Write ``release.json`` into a release folder made by hand (deploy/README.md, "Publish").

The staff console takes a folder under ``DX_RELEASES_DIR`` for a release only when it
holds ``dist/``, ``source/`` and a ``release.json`` (console/releases.py): without the
record, a live release made by hand stops the console's uploads and publishes. This writes
the record the console writes for a publish, from what the folder holds::

    .venv/bin/python deploy/release-record.py FOLDER --id ID --previous LIVE_ID --reason TEXT

Its digests are the console's (the table's SHA-256, the build's: its manifest's); its
``went_live`` is left to the console, which adds it at its next publish if the release is
live then (and removes the folder if it never went live: console/releases.py, recover).
Exit codes: 0 written; 2 the folder, the id or the publication is not usable.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import Any

# The code of the checkout this script is in (/opt/dx-lod/current), as `python -m` would
# import it from there.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from console.accounts import now_iso
from console.candidates import build_digest, digest
from console.releases import ID, RECORD
from console.source import PUBLICATION
from console.storage import write_json
from converter.config import load_publication
from converter.errors import ConverterError


def record(folder: Path, release_id: str, previous: str, user: str, reason: str) -> dict[str, Any]:
    """The console's record of the release in ``folder`` (its ``dist/`` and ``source/``).

    :raises ConverterError: ``source/publication.toml`` cannot be read.
    :raises OSError: the folder lacks the build's manifest or the edition's table.
    """
    editions = load_publication(folder / "source" / PUBLICATION).editions
    table = editions[-1].table.name
    return {
        "id": release_id,
        "created": now_iso(),
        "user": user,
        "reason": reason,
        "table": {
            "name": table,
            "sha256": digest(folder / "source" / table),
            "stored": table,
        },
        "build": {"digest": build_digest(folder / "dist")},
        "editions": [e.fiscal_year for e in editions],
        "fiscal_year": editions[-1].fiscal_year,
        "candidate": None,
        "base": previous,
        "previous": previous,
        "changes": {
            "first": False,
            "removals": 0,
            "summary": "手作業で作った版 / made by hand",
            "text": "",
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="release-record.py", description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path, help="the release folder (dist/, source/)")
    parser.add_argument("--id", required=True, help="its id, as the console makes them")
    parser.add_argument("--previous", required=True, help="the id of the release live now")
    parser.add_argument("--reason", required=True, help="why (the console's history shows it)")
    parser.add_argument("--user", default=os.environ.get("SUDO_USER") or getpass.getuser())
    args = parser.parse_args(argv)
    for name, value in (("--id", args.id), ("--previous", args.previous)):
        if not ID.fullmatch(value):
            print(f"error: {name} {value!r} is not a release id ({ID.pattern})", file=sys.stderr)
            return 2
    try:
        made = record(args.folder, args.id, args.previous, args.user, args.reason)
    except (ConverterError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    write_json(args.folder / RECORD, made)
    print(f"OK: {args.folder / RECORD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
