"""Health and version (Dockerflow): liveness touches nothing, readiness asks the store,
version names the code and the release; none is ever cached or logged at the info level."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import requests

from converter.contract import Manifest
from server.app import create_app
from server.stores.remote import RemoteStore
from server.web.health.version import git_commit
from tests.support.live_server import live_process
from tests.support.processes import free_port

ROOT = Path(__file__).resolve().parents[3]


def nowhere() -> RemoteStore:
    """A real store client whose store is down (nothing listens on the port)."""
    return RemoteStore(f"http://127.0.0.1:{free_port()}/query", timeout=2)


def test_liveness_answers_without_touching_the_store(dist_dir: Path) -> None:
    client = create_app({"TESTING": True, "DIST_DIR": str(dist_dir)}, store=nowhere()).test_client()
    response = client.get("/__lbheartbeat__")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_readiness_with_a_loaded_build(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/__heartbeat__")
    assert response.status_code == 200, response.json
    assert response.json == {
        "status": "ok",
        "checks": {"store": "ok", "build": "ok"},
        "editions": [2023],
    }


def test_readiness_fails_with_503_and_retry_after_while_the_store_is_down(dist_dir: Path) -> None:
    client = create_app({"TESTING": True, "DIST_DIR": str(dist_dir)}, store=nowhere()).test_client()
    response = client.get("/__heartbeat__")
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.json["status"] == "error"
    assert response.json["checks"]["store"].startswith("StoreUnavailable")
    assert response.headers["Cache-Control"] == "no-store"


def test_version_names_the_code_and_the_release(client, dist_dir: Path) -> None:  # type: ignore[no-untyped-def]
    body = client.get("/__version__").json
    assert body["name"] == "fukushima-dx-lod" and body["version"] == "0.1.0"
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    assert body["commit"] == (head or None)
    release = body["release"]
    # Both stores tell the build by the same digest: the embedded one from its files, the
    # remote one from the register its publish wrote.
    assert release["digest"] == Manifest.read(dist_dir).data_digest
    assert release["editions"] == [2023] and release["edition"] == 2023


def test_version_while_the_store_is_down_still_names_the_code(dist_dir: Path) -> None:
    client = create_app({"TESTING": True, "DIST_DIR": str(dist_dir)}, store=nowhere()).test_client()
    response = client.get("/__version__")
    assert response.status_code == 200
    assert response.json["release"]["digest"] is None and response.json["version"] == "0.1.0"


@pytest.mark.parametrize("path", ["/__lbheartbeat__", "/__heartbeat__", "/__version__"])
def test_never_cached(dist_dir: Path, local_store, path: str) -> None:  # type: ignore[no-untyped-def]
    app = create_app(
        {"TESTING": True, "DIST_DIR": str(dist_dir), "RESPONSE_CACHE_HEADER": True},
        store=local_store,
    )
    client = app.test_client()
    first = client.get(path)
    again = client.get(path, headers={"If-None-Match": "*"})
    assert first.headers["Cache-Control"] == "no-store"
    assert "ETag" not in first.headers and "Last-Modified" not in first.headers
    assert again.status_code == 200 and "X-Cache" not in again.headers


def test_the_commit_is_read_from_the_git_files(tmp_path: Path) -> None:
    commit = "0123456789abcdef0123456789abcdef01234567"
    git = tmp_path / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    (git / "HEAD").write_text(commit + "\n")
    assert git_commit(git) == commit  # detached
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    (git / "packed-refs").write_text(f"# pack-refs\n{commit} refs/heads/main\n")
    assert git_commit(git) == commit  # packed
    (git / "refs" / "heads" / "main").write_text("f" * 40 + "\n")
    assert git_commit(git) == "f" * 40  # a loose ref wins over a packed one
    assert git_commit(tmp_path / "nothing") is None


@pytest.mark.parametrize("logged", [False, True], ids=["default", "DX_ACCESS_LOG_HEALTH"])
def test_the_access_log_leaves_health_checks_out(
    dist_dir: Path, tmp_path: Path, logged: bool
) -> None:
    env = {"DX_ACCESS_LOG_HEALTH": "1"} if logged else {}
    with live_process(dist_dir, log=tmp_path / "server.log", **env) as live:
        for path in ("/__lbheartbeat__", "/__heartbeat__", "/__version__", "/kpis"):
            assert requests.get(live.url + path, timeout=10).status_code == 200
        text = live.log_text(lambda t: '"GET /kpis ' in t)
    assert '"GET /kpis ' in text
    assert ("/__heartbeat__" in text) is logged and ("/__version__" in text) is logged


def test_a_configured_commit_wins(dist_dir: Path, local_store) -> None:  # type: ignore[no-untyped-def]
    config = {"TESTING": True, "DIST_DIR": str(dist_dir), "SOURCE_COMMIT": "abc123"}
    client = create_app(config, store=local_store).test_client()
    assert client.get("/__version__").json["commit"] == "abc123"
