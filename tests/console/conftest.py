"""The console over a releases folder whose first release is the real FY2023 build.

The first release and the accounts are made once per session (argon2 and a build cost a
second or two) and copied for each test, links and all.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import PUBLICATION
from tests.console.support import PASSWORDS, ROLES


@dataclass(frozen=True)
class Place:
    """A console's folders: its state and the releases the public server would serve."""

    state: Path
    releases: Path

    def config(self, **more: object) -> dict[str, object]:
        return {
            "TESTING": True,
            "CONSOLE_STATE_DIR": str(self.state),
            "RELEASES_DIR": str(self.releases),
            **more,
        }

    def env(self) -> dict[str, str]:
        return {"DX_CONSOLE_STATE_DIR": str(self.state), "DX_RELEASES_DIR": str(self.releases)}


@pytest.fixture(scope="session")
def first_release(tmp_path_factory: pytest.TempPathFactory) -> Place:
    from console.accounts import Accounts
    from console.config import ConsoleSettings
    from console.service import Console

    root = tmp_path_factory.mktemp("console-first")
    place = Place(root / "state", root / "releases")
    settings = ConsoleSettings.load(place.config(), environ={})
    svc = Console.open(settings)
    svc.publisher.init("cli", PUBLICATION, Path(tmp_path_factory.mktemp("init")))
    accounts = Accounts(place.state)
    for name, password in PASSWORDS.items():
        accounts.add(name, ROLES[name], password)
    return place


@pytest.fixture
def place(first_release: Place, tmp_path: Path) -> Place:
    copy = Place(tmp_path / "state", tmp_path / "releases")
    shutil.copytree(first_release.state, copy.state, symlinks=True)
    shutil.copytree(first_release.releases, copy.releases, symlinks=True)
    return copy


@pytest.fixture
def console_app(place: Place) -> Iterator[Flask]:
    from console.app import create_console_app

    app = create_console_app(place.config())
    yield app
    app.extensions["console"].previews.close()


@pytest.fixture
def client(console_app: Flask) -> FlaskClient:
    return console_app.test_client()


@pytest.fixture
def publisher(console_app: Flask) -> tuple[FlaskClient, str]:
    """A client signed in as alice (publisher), and its CSRF token."""
    from tests.console.support import sign_in

    client = console_app.test_client()
    return client, sign_in(client, "alice")


@pytest.fixture
def editor(console_app: Flask) -> tuple[FlaskClient, str]:
    from tests.console.support import sign_in

    client = console_app.test_client()
    return client, sign_in(client, "bob")
