"""The console killed (SIGKILL) in the middle of a publish: the public server serves the old
release or the new one entirely, never a mixture, and the next publish works (issue 24).

Real processes: ``python -m server`` on ``<releases>/current`` and ``python -m console``
(granian). The console kills itself (SIGKILL, ``DX_CONSOLE_CRASH_AT``) the moment its
publish reaches a step (``staging``: the release is about to be copied; ``staged``: it is in
its folder, not live; ``switching``: the link is about to be renamed; ``recording``: it
is live, its record not yet written), or the whole process group is killed after a delay,
at whatever step it has reached. (Polling the publish lock for the step, as this test did
before, missed the switch, a rename of microseconds, on a busy machine.)
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from pathlib import Path

import pytest
import requests

from console.releases import Releases
from converter.contract import Manifest
from tests.console.conftest import Place
from tests.console.live import LiveConsole, live_console
from tests.console.tables import FY2024, edited, set_cell
from tests.harden.figures import Figure, record
from tests.support.live_server import live_process
from tests.support.timing import within

pytestmark = [pytest.mark.slow]


def _token(place: Place) -> str:
    from console.accounts import Accounts

    return Accounts(place.state).new_token("alice", "kill test")


def _whole(dist: Path) -> None:
    """Every file of the build is there with the digest its manifest gives."""
    manifest = Manifest.read(dist)
    for entry in [*manifest.files, *manifest.graphs]:
        digest = hashlib.sha256((dist / entry.path).read_bytes()).hexdigest()
        assert digest == entry.sha256, entry.path


def _kpis_of(dist: Path) -> bytes:
    from server.app import create_app

    app = create_app({"DIST_DIR": str(dist), "SPARQL_WORKERS": 1})
    try:
        return app.test_client().get("/kpis").get_data()
    finally:
        from server.wsgi.release_switch import close_app

        close_app(app)


def _wait_for_step(lock: Path, steps: tuple[str, ...], give_up: float) -> str:
    """Poll the publish lock's note until it names one of ``steps`` (a console killed at a
    step leaves its note there)."""
    while time.monotonic() < give_up:
        try:
            note = json.loads(lock.read_text() or "{}")
        except (OSError, ValueError):
            note = {}
        if note.get("step") in steps:
            return str(note["step"])
        time.sleep(0.01)
    return "none"


@pytest.mark.parametrize("kill_at", ["staging", "staged", "switching", "recording", "after 0.3 s"])
def test_the_console_killed_midway_leaves_one_whole_release(
    place: Place, tmp_path: Path, kill_at: str
) -> None:
    token = _token(place)
    bearer = {"Authorization": f"Bearer {token}"}
    releases = Releases(place.releases)
    old = releases.current_id()
    assert old is not None
    env = {**place.env(), "DX_RELEASE_CHECK_INTERVAL": "0.05"}
    crash = {} if kill_at.startswith("after") else {"DX_CONSOLE_CRASH_AT": kill_at}
    old_body = _kpis_of(place.releases / old / "dist")
    with live_process(place.releases / "current", **env) as server:
        served: list[bytes] = []
        stop = threading.Event()

        def read() -> None:
            with requests.Session() as session:
                while not stop.is_set():
                    served.append(session.get(server.url + "/kpis", timeout=10).content)

        reader = threading.Thread(target=read)
        reader.start()
        try:
            with live_console({**env, **crash}, tmp_path / "console.log") as console:
                cid = _upload(console, bearer, FY2024)
                publishing = threading.Thread(
                    target=_publish_ignoring_errors, args=(console, bearer, cid)
                )
                give_up = time.monotonic() + within(10)
                publishing.start()
                if kill_at.startswith("after"):
                    time.sleep(0.3)  # waits: a kill at whatever step the publish has reached
                    landed = "delay"
                else:
                    landed = _wait_for_step(place.releases / ".publish.lock", (kill_at,), give_up)
                    assert landed == kill_at, "the console did not reach the step"
                console.kill()
                publishing.join()
            after = releases.current_id()
            assert after is not None
            _whole(place.releases / after / "dist")
            left = sorted(os.listdir(place.releases))
            new_body = _kpis_of(place.releases / after / "dist")
            # The public server: the old release or the new one, each whole, nothing else.
            _until_served(server.url, new_body)
        finally:
            stop.set()
            reader.join()
        assert set(served) <= {old_body, new_body}, "an answer of neither release"
        # The next publish works, and clears what the killed one left.
        with live_console(env, tmp_path / "console2.log") as console:
            table = edited(
                FY2024, tmp_path / "t.csv", lambda t: set_cell(t, "3", "令和６年度取組状況", "再")
            )
            cid = _upload(console, bearer, table)
            answer = requests.post(
                f"{console.url}/api/v1/candidates/{cid}/publish",
                headers=bearer,
                json={},
                timeout=60,
            )
            assert answer.status_code == 200, answer.text
            final = answer.json()["id"]
        assert releases.current_id() == final
        _whole(place.releases / final / "dist")
        leftovers = [
            n for n in os.listdir(place.releases) if n.startswith((".staging", ".current-"))
        ]
        assert leftovers == []
        _until_served(server.url, _kpis_of(place.releases / final / "dist"))
    record(
        Figure(
            case=f"console killed during a publish ({kill_at})",
            sent=f"SIGKILL to python -m console at step '{landed}'; /kpis read meanwhile",
            outcome=f"{len(served)} answers, each of one whole release "
            f"({'switched' if after != old else 'old kept'}); left {_names(left)}; "
            "next publish ok",
            errors=0,
        )
    )


def _names(entries: list[str]) -> str:
    hidden = [e for e in entries if e.startswith(".") and e != ".publish.lock"]
    return ", ".join(e.split("-")[0] for e in hidden) or "nothing"


def _upload(console: LiveConsole, bearer: dict[str, str], table: Path) -> str:
    with table.open("rb") as data:
        answer = requests.post(
            f"{console.url}/api/v1/candidates",
            headers=bearer,
            files={"table": ("dx-kpi-fy2024.csv", data)},
            timeout=60,
        )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def _publish_ignoring_errors(console: LiveConsole, bearer: dict[str, str], cid: str) -> None:
    try:
        requests.post(
            f"{console.url}/api/v1/candidates/{cid}/publish", headers=bearer, json={}, timeout=60
        )
    except requests.RequestException:
        pass  # the console was killed under it


def _until_served(url: str, body: bytes) -> None:
    deadline = time.monotonic() + within(10)
    while requests.get(url + "/kpis", timeout=10).content != body:
        assert time.monotonic() < deadline, "the server does not serve the live release"
        time.sleep(0.05)
