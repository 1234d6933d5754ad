"""Two publishers at once: one wins, the other is told, nothing mixes (issue 24)."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from flask import Flask

from console.releases import Releases
from converter.contract import Manifest
from tests.console.conftest import Place
from tests.console.support import candidate_id, sign_in, upload
from tests.console.tables import FY2024, edited, set_cell


def _whole(release: Path) -> None:
    """Every file the release's manifest lists is there, with its digest."""
    import hashlib

    dist = release / "dist"
    manifest = Manifest.read(dist)
    for entry in manifest.files:
        assert hashlib.sha256((dist / entry.path).read_bytes()).hexdigest() == entry.sha256
    for graph in manifest.graphs:
        assert hashlib.sha256((dist / graph.path).read_bytes()).hexdigest() == graph.sha256


def test_two_publishers_at_once_one_wins_the_other_is_told(
    console_app: Flask, place: Place, tmp_path: Path
) -> None:
    alice, carol = console_app.test_client(), console_app.test_client()
    tokens = {"alice": sign_in(alice, "alice"), "carol": sign_in(carol, "carol")}
    own = edited(
        FY2024, tmp_path / "c.csv", lambda t: set_cell(t, "3", "令和６年度取組状況", "carol")
    )
    ids = {
        "alice": candidate_id(upload(alice, tokens["alice"], FY2024)),
        "carol": candidate_id(upload(carol, tokens["carol"], own, "dx-kpi-fy2024.csv")),
    }
    before = sorted(os.listdir(place.releases))
    start = threading.Barrier(2)
    answers: dict[str, object] = {}

    def press(name: str, client) -> None:  # type: ignore[no-untyped-def]
        start.wait()
        answers[name] = client.post(
            f"/candidates/{ids[name]}/publish", data={"csrf_token": tokens[name]}
        )

    threads = [
        threading.Thread(target=press, args=(name, client))
        for name, client in (("alice", alice), ("carol", carol))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(a.status_code for a in answers.values())  # type: ignore[attr-defined]
    assert statuses == [303, 409], statuses
    loser = next(a for a in answers.values() if a.status_code == 409)  # type: ignore[attr-defined]
    told = loser.get_data(as_text=True)  # type: ignore[attr-defined]
    # Told either that the other is publishing now, or (if it had finished) that the live
    # release changed since the candidate was checked.
    assert "の作業中です" in told or "公開中の版が変わりました" in told, told
    new = sorted(set(os.listdir(place.releases)) - set(before))
    assert len(new) == 1, new  # one release made, none half-made
    releases = Releases(place.releases)
    assert releases.current_id() == new[0]
    _whole(place.releases / new[0])
    audit = [json.loads(line) for line in (place.state / "audit.jsonl").read_text().splitlines()]
    publishes = [(e["user"], e["result"]) for e in audit if e["action"] == "publish"]
    assert sorted(r for _, r in publishes) == ["ok", "refused"]


def test_a_publish_while_the_lock_is_held_is_told_who_holds_it(
    console_app: Flask, place: Place
) -> None:
    client = console_app.test_client()
    csrf = sign_in(client, "alice")
    cid = candidate_id(upload(client, csrf, FY2024))
    live = Releases(place.releases).current_id()
    # Another publisher (another console, or `python -m console init`) holds the lock.
    with Releases(place.releases).lock("carol", "rollback") as step:
        step("switching")
        answer = client.post(f"/candidates/{cid}/publish", data={"csrf_token": csrf})
        holder = json.loads((place.releases / ".publish.lock").read_text())
    assert answer.status_code == 409
    told = answer.get_data(as_text=True)
    assert (
        "carol さんが" in told
        and "切り戻しの作業中です" in told
        and "carol is running a rollback" in told
    )
    assert holder["step"] == "switching"
    assert Releases(place.releases).current_id() == live
    again = client.post(f"/candidates/{cid}/publish", data={"csrf_token": csrf})
    assert again.status_code == 303  # once it is released, the same candidate goes live
