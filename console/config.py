"""Every setting of the staff console, read once (``create_console_app``, ``python -m console``).

The server's scheme: the setting ``console_port`` is ``DX_CONSOLE_PORT`` in the environment
and ``CONSOLE_PORT`` in the mapping given to :func:`console.app.create_console_app`. The
README's settings table lists them all, and a test keeps it complete. Order: the mapping,
then the environment, then the default.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


class ConsoleConfigError(ValueError):
    """A setting has a value the console cannot use; the message names the variable."""


def _setting(default: Any, doc: str) -> Any:
    return field(default=default, metadata={"doc": doc})


@dataclass(frozen=True)
class ConsoleSettings:
    """The console's settings; see :meth:`load`."""

    console_host: str = _setting("127.0.0.1", "address `python -m console` binds to")
    console_port: int = _setting(8001, "port `python -m console` listens on")
    console_threads: int = _setting(8, "request threads of the console (one process)")
    metrics_host: str = _setting("127.0.0.1", "address the console's Prometheus metrics are on")
    metrics_port: int = _setting(
        9466, "port of the console's Prometheus metrics (`/metrics`); 0 = none"
    )
    console_state_dir: str = _setting(
        "console-state",
        "the console's own files: accounts, sessions, its secret, the audit log, candidates",
    )
    releases_dir: str = _setting(
        "releases", "release folders and the `current` link the public server serves"
    )
    releases_keep: int = _setting(
        10, "releases kept (the newest; the live one and the one before it are always kept)"
    )
    console_publication: str = _setting(
        str(ROOT / "data" / "publication.toml"),
        "the publication the first release is built from (`python -m console init`)",
    )
    console_max_upload_mb: int = _setting(16, "MiB an uploaded table may have at most")
    console_session_minutes: int = _setting(
        60, "minutes a signed-in session lasts without a request (at most 12 hours in all)"
    )
    console_forwarded_allow_ips: str = _setting(
        "127.0.0.1 ::1",
        "reverse proxies whose `X-Forwarded-Proto` and `-For` the console believes "
        "(space-separated; `none`: no proxy)",
    )
    console_site_url: str = _setting(
        "http://127.0.0.1:8000/", "where the public site is (the console links to it)"
    )
    publish_store: str | None = _setting(
        None,
        "also publish each release into this SPARQL store (Graph Store Protocol URL, as "
        "`converter publish --store`)",
    )
    store_user: str | None = _setting(None, "the store's publishing account")
    store_password: str | None = _setting(None, "its password")
    console_crash_at: str = _setting(
        "",
        "tests only: the publish step (`staging`, `staged`, `store`, `switching`, "
        "`recording`) at which the console kills itself (SIGKILL), to prove a crash there "
        "loses nothing",
    )

    @staticmethod
    def env_name(name: str) -> str:
        """The environment variable of the setting ``name``."""
        return f"DX_{name.upper()}"

    @classmethod
    def load(
        cls, overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
    ) -> ConsoleSettings:
        """Settings from ``overrides`` (``{"CONSOLE_PORT": 8002}``), then the environment.

        :raises ConsoleConfigError: a value is not of the setting's type.
        """
        overrides = overrides or {}
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for spec in fields(cls):
            key, env = spec.name.upper(), cls.env_name(spec.name)
            raw, source = (overrides[key], key) if key in overrides else (environ.get(env), env)
            if raw is not None and raw != "":
                values[spec.name] = _convert(spec.name, spec.default, raw, source)
        return cls(**values)

    @property
    def state_dir(self) -> Path:
        return Path(self.console_state_dir)

    @property
    def releases(self) -> Path:
        return Path(self.releases_dir)

    @property
    def max_upload_bytes(self) -> int:
        return self.console_max_upload_mb * 1024 * 1024

    @property
    def trusted_proxies(self) -> frozenset[str]:
        addresses = self.console_forwarded_allow_ips.split()
        return frozenset() if addresses == ["none"] else frozenset(addresses)


def _convert(name: str, default: Any, raw: Any, source: str) -> Any:
    kind = type(default) if default is not None else str
    try:
        value = kind(raw)
    except (TypeError, ValueError) as exc:
        raise ConsoleConfigError(f"{source}={raw!r}: {name} must be a {kind.__name__}") from exc
    if isinstance(value, int) and value < 0:
        raise ConsoleConfigError(f"{source}={raw!r}: {name} cannot be negative")
    return value
