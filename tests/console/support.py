"""Helpers of the console tests: accounts, signing in, the forms' CSRF tokens, snapshots."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

PASSWORDS = {
    "alice": "alice-correct-horse",
    "bob": "bob-battery-staple",
    "carol": "carol-long-secret",
}
ROLES = {"alice": "publisher", "bob": "editor", "carol": "publisher"}
_TOKEN = re.compile(rb'name="csrf_token" value="([^"]*)"')


def token_of(page: bytes) -> str:
    found = _TOKEN.search(page)
    assert found is not None, "no CSRF token on the page"
    return found[1].decode()


def sign_in(client: FlaskClient, name: str, password: str | None = None) -> str:
    """Sign ``name`` in through the sign-in form; returns the session's CSRF token."""
    form = client.get("/login")
    answer = client.post(
        "/login",
        data={
            "csrf_token": token_of(form.data),
            "name": name,
            "password": PASSWORDS[name] if password is None else password,
            "next": "/",
        },
    )
    assert answer.status_code == 303, answer.data[:500]
    return token_of(client.get("/").data)


def upload(client: FlaskClient, csrf: str, path: Path, name: str | None = None, **fields: str):  # type: ignore[no-untyped-def]
    with path.open("rb") as data:
        return client.post(
            "/upload",
            data={"csrf_token": csrf, "table": (data, name or path.name), **fields},
            content_type="multipart/form-data",
        )


def candidate_id(answer: Any) -> str:
    assert answer.status_code == 303, answer.data[:2000]
    return str(answer.headers["Location"]).rsplit("/", 1)[1]


def snapshot(folder: Path) -> dict[str, object]:
    """Every entry under ``folder``: a link's target, a file's size and mtime."""
    found: dict[str, object] = {}
    for parent, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(parent) / name
            rel = str(path.relative_to(folder))
            if path.is_symlink():
                found[rel] = ("link", os.readlink(path))
            elif path.is_file():
                stat = path.stat()
                found[rel] = (stat.st_size, stat.st_mtime_ns)
            else:
                found[rel] = "dir"
    return found
