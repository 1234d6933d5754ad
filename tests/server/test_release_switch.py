"""The live release switch (server/wsgi/release_switch.py): ``current`` changes, the server
follows without a restart; requests in flight finish on the release they began on; the old
app is closed only once it answers nothing and its grace has passed."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
import requests
from werkzeug.test import Client

from server.app import create_app
from server.wsgi import release_switch
from server.wsgi.release_switch import ReleaseSwitch
from tests.support.live_server import live_process
from tests.support.timing import within

#: KPI 3's FY2024 actual: on /kpis of the two-edition build only.
NEW_VALUE = "69,512"


@pytest.fixture(scope="module")
def releases(dist_dir: Path, two_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("releases")
    shutil.copytree(dist_dir, root / "r1" / "dist")
    shutil.copytree(two_dist, root / "r2" / "dist")
    (root / "broken" / "dist").mkdir(parents=True)
    return root


def point(root: Path, release: str) -> None:
    """``current`` → ``release``, as the console does it: a new link renamed over the old."""
    temporary = root / f".current-{release}"
    os.symlink(f"{release}/dist", temporary)
    os.replace(temporary, root / "current")


def factory(dist: Path):  # type: ignore[no-untyped-def]
    return create_app({"DIST_DIR": str(dist), "SPARQL_WORKERS": 1})


def until_serving(client: Client, word: str, present: bool = True) -> tuple[bytes, str]:
    """/kpis once its body has (or lacks) ``word``; the body and its ETag."""
    deadline = time.monotonic() + within(5)
    while True:
        with client.get("/kpis") as response:  # closed: the switch counts it answered
            body = response.get_data()
        if (word.encode() in body) == present:
            return body, response.headers["ETag"]
        assert time.monotonic() < deadline, f"still not serving the release ({word}, {present})"
        time.sleep(0.05)


def test_a_new_link_is_served_without_a_restart(releases: Path) -> None:
    point(releases, "r1")
    switch = ReleaseSwitch(releases / "current", factory, interval=0, grace=0)
    client = Client(switch)
    old_body, old_etag = until_serving(client, NEW_VALUE, present=False)
    point(releases, "r2")
    new_body, new_etag = until_serving(client, NEW_VALUE)
    assert new_etag != old_etag  # derived from the new build's digest
    assert switch.current.target == str((releases / "r2" / "dist").resolve())
    point(releases, "r1")  # a roll-back is the same switch
    body, etag = until_serving(client, NEW_VALUE, present=False)
    assert (body, etag) == (old_body, old_etag)  # the same release answers the same bytes
    assert switch.reap(now=time.monotonic() + 60) == 0
    release_switch.close_app(switch.current.app)


def test_a_request_in_flight_finishes_on_its_release(
    releases: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed: list[object] = []
    monkeypatch.setattr(release_switch, "close_app", closed.append)
    point(releases, "r1")
    switch = ReleaseSwitch(releases / "current", factory, interval=0, grace=30)
    old_app = switch.current.app
    client = Client(switch)
    expected = (releases / "r1" / "dist" / "download" / "dx-kpi.nt").read_bytes()
    streamed = client.get("/download/dx-kpi.nt", buffered=False)
    chunks = iter(streamed.response)
    first = next(chunks)
    point(releases, "r2")
    until_serving(client, NEW_VALUE)
    # The old release's download goes on from the old files, to its last byte.
    rest = b"".join(chunks)
    assert first + rest == expected
    assert switch.reap(now=time.monotonic() + 60) == 1  # still answering: kept
    streamed.close()
    assert switch.reap(now=time.monotonic() + 1) == 1  # answered, but inside its grace
    assert switch.reap(now=time.monotonic() + 60) == 0
    assert closed == [old_app]


def test_a_release_that_cannot_load_leaves_the_old_one_served(
    releases: Path, caplog: pytest.LogCaptureFixture
) -> None:
    point(releases, "r1")
    switch = ReleaseSwitch(releases / "current", factory, interval=0, grace=0)
    client = Client(switch)
    body, etag = until_serving(client, NEW_VALUE, present=False)
    point(releases, "broken")
    deadline = time.monotonic() + within(5)
    while "cannot be served" not in caplog.text:
        with client.get("/kpis") as response:
            assert response.status_code == 200
        assert time.monotonic() < deadline, caplog.text
        time.sleep(0.05)
    with client.get("/kpis") as response:
        assert response.headers["ETag"] == etag
    point(releases, "r2")
    until_serving(client, NEW_VALUE)  # a good release after a bad one is taken


def test_the_served_server_follows_the_link(releases: Path) -> None:
    """``python -m server`` with DX_DIST_DIR a link: the same process serves the new
    release, with new ETags."""
    point(releases, "r1")
    with live_process(releases / "current", DX_RELEASE_GRACE="1") as live:
        first = requests.get(live.url + "/kpis", timeout=10)
        assert NEW_VALUE not in first.text
        point(releases, "r2")
        deadline = time.monotonic() + within(10)
        while NEW_VALUE not in (answer := requests.get(live.url + "/kpis", timeout=10)).text:
            assert answer.status_code == 200
            assert time.monotonic() < deadline, "the server did not follow the link"
            time.sleep(0.1)
        assert answer.headers["ETag"] != first.headers["ETag"]
        assert live.process.poll() is None  # no restart


def test_a_new_release_is_warmed_with_the_recent_requests(releases: Path) -> None:
    """The GETs the old app answered are replayed on the new one before it takes over: the
    first reader after the switch gets an answer already rendered (``X-Cache: hit``)."""

    def caching(dist: Path):  # type: ignore[no-untyped-def]
        return create_app({"DIST_DIR": str(dist), "SPARQL_WORKERS": 1, "RESPONSE_CACHE_HEADER": 1})

    point(releases, "r1")
    switch = ReleaseSwitch(releases / "current", caching, interval=0, grace=0)
    client = Client(switch)
    for path in ("/kpis", "/id/kpi/3", "/sparql?query=ASK%7B%7D"):
        with client.get(path, headers={"Accept-Language": "en"}) as answer:
            assert answer.status_code == 200
    assert ("/sparql", "query=ASK%7B%7D") not in {key[:2] for key in switch.recent}
    point(releases, "r2")
    switch.check()
    deadline = time.monotonic() + within(5)
    while switch.current.target != str((releases / "r2" / "dist").resolve()):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    with client.get("/kpis", headers={"Accept-Language": "en"}) as first:
        assert NEW_VALUE in first.get_data(as_text=True)
        assert first.headers.get("X-Cache") == "hit"
    switch.reap(now=time.monotonic() + 60)
    release_switch.close_app(switch.current.app)
