"""Readiness over a real remote store: 503 until a build is published, 503 with
Retry-After while the store is down, 200 again as soon as it is back; version tells the
digest the publish wrote into the register."""

from __future__ import annotations

from pathlib import Path

from converter.contract import Manifest
from server.app import create_app
from server.stores.remote import RemoteStore


def test_readiness_follows_the_store(triplestore, dist_dir: Path) -> None:  # type: ignore[no-untyped-def]
    store = RemoteStore(triplestore.query_url, timeout=5, graphs_ttl=0.0)
    client = create_app({"TESTING": True, "DIST_DIR": str(dist_dir)}, store=store).test_client()

    empty = client.get("/__heartbeat__")
    assert empty.status_code == 503, empty.json
    assert empty.json["checks"] == {
        "store": "ok",
        "build": "the store serves no edition: nothing is published",
    }

    triplestore.publish(dist_dir)
    ready = client.get("/__heartbeat__")
    assert ready.status_code == 200 and ready.json["editions"] == [2023], ready.json
    release = client.get("/__version__").json["release"]
    assert release["digest"] == Manifest.read(dist_dir).data_digest

    triplestore.stop()
    try:
        down = client.get("/__heartbeat__")
        assert down.status_code == 503 and down.headers["Retry-After"] == "5", down.json
        assert down.json["checks"]["build"] == "unknown"
        assert client.get("/__lbheartbeat__").status_code == 200  # alive all the same
    finally:
        triplestore.start()
    assert client.get("/__heartbeat__").status_code == 200
