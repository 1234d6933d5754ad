"""Every setting of the server, read once (in ``create_app`` / ``python -m server``).

One scheme: the setting ``sparql_timeout`` is ``SPARQL_TIMEOUT`` in the mapping given to
``create_app`` and ``DX_SPARQL_TIMEOUT`` in the environment. Three names follow conventions
that other tools share instead: ``HOST``, ``PORT`` (the Makefile's) and ``WEB_CONCURRENCY``
(the Procfile convention of gunicorn and uvicorn). The README's settings table lists them
all, and a test keeps it complete.
Order: the mapping, then the environment, then the default.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

from flask import current_app

from converter.contract import DEFAULT_BASE_IRI
from server.errors import ConfigError
from server.syntax import VIRTUOSO_NAMESPACES

log = logging.getLogger(__name__)
#: A full IRI as SPARQL writes one between ``<>`` (scheme, then no space or delimiter).
_ABSOLUTE_IRI = re.compile(r'[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>"{}|^`\\]*')


def _setting(default: Any, doc: str, *, env: str = "", legacy: str = "") -> Any:
    return field(default=default, metadata={"doc": doc, "env": env, "legacy": legacy})


@dataclass(frozen=True)
class Settings:
    """The server's settings; see :meth:`load` for where each value comes from."""

    host: str = _setting("127.0.0.1", "address `python -m server` binds to", env="HOST")
    port: int = _setting(8000, "port `python -m server` listens on", env="PORT")
    workers: int = _setting(2, "server processes (granian workers)", env="WEB_CONCURRENCY")
    threads: int = _setting(
        64, "request threads per server process (granian blocking threads)", legacy="WEB_THREADS"
    )
    dist_dir: str = _setting("dist", "the build to serve (its manifest, graphs, downloads)")
    base_iri: str | None = _setting(
        None, "canonical base of the data; default: the build's `base_iri`"
    )
    store_url: str | None = _setting(
        None, "SPARQL query endpoint of a remote store; default: the embedded store"
    )
    store_timeout: float = _setting(10.0, "seconds per request to the remote store")
    store_graphs_ttl: float = _setting(
        5.0, "seconds the list of published graphs of the remote store is kept"
    )
    sparql_timeout: float = _setting(
        10.0, "seconds per `/sparql` request from its arrival (waiting counts); then 503",
        legacy="SPARQL_TIMEOUT",
    )  # fmt: skip
    sparql_max_rows: int = _setting(
        10_000, "rows or triples kept per answer; the rest is cut (`X-SPARQL-Truncated`)",
        legacy="SPARQL_MAX_ROWS",
    )  # fmt: skip
    sparql_max_query_length: int = _setting(
        20_000, "characters per query; longer gets 413", legacy="SPARQL_MAX_QUERY_LENGTH"
    )
    sparql_max_body_bytes: int = _setting(
        512 * 1024, "bytes per POST body; larger gets 413", legacy="SPARQL_MAX_BODY_BYTES"
    )
    sparql_workers: int = _setting(
        2, "query processes per server process (embedded store)", legacy="SPARQL_WORKERS"
    )
    sparql_concurrency: int = _setting(
        56, "`/sparql` queries per server process at once, waiting ones included; more get "
        "503 with `Retry-After` (keep below `DX_THREADS`, so pages always find a thread)",
    )  # fmt: skip
    sparql_memory_mb: int = _setting(
        2048, "MiB of address space all query processes of the server may use together "
        "(each gets an equal share); 0 = no cap",
    )  # fmt: skip
    sparql_extension_functions: str = _setting(
        "", "IRIs (space-separated) of extension functions `/sparql` queries may call besides "
        "SPARQL 1.1's own and the XSD casts; never Virtuoso's `bif:` or `sql:`",
    )  # fmt: skip
    sparql_cache_size: int = _setting(
        256, "`/sparql` answers kept in memory (over a remote store: while its register "
        "states the same build digest); 0 = none",
        legacy="SPARQL_CACHE_SIZE",
    )  # fmt: skip
    cache_max_age: int = _setting(
        300, "seconds browsers and proxies may reuse an answer before revalidating it (304)"
    )
    response_cache_mb: int = _setting(
        64,
        "MiB of rendered answers kept per server process (over a remote store for "
        "`DX_STORE_GRAPHS_TTL` at most); 0 = none",
    )
    response_cache_entries: int = _setting(
        10_000, "answers kept per server process at most (within `DX_RESPONSE_CACHE_MB`)"
    )
    response_cache_header: bool = _setting(
        False, "mark answers from the response cache with `X-Cache: hit` (it tells anyone "
        "whether a URL was asked for before: for debugging)",
    )  # fmt: skip
    access_log_health: bool = _setting(
        False, "log the health checks (`/__lbheartbeat__`, `/__heartbeat__`, `/__version__`) "
        "in the access log too (a balancer asks every few seconds: left out by default)",
    )  # fmt: skip
    metrics_host: str = _setting(
        "127.0.0.1", "address the Prometheus metrics are served on (keep them off the public "
        "network: they tell how the site is used)",
    )  # fmt: skip
    metrics_port: int = _setting(
        9464, "port of the Prometheus metrics (`/metrics`) of `python -m server`, beside the "
        "site's; 0 = none",
    )  # fmt: skip
    source_commit: str | None = _setting(
        None, "the code's git commit that `/__version__` tells; default: read from the "
        "checkout's `.git` (set it where the code is installed without one)",
    )  # fmt: skip
    public_url: str | None = _setting(
        None, "where readers reach this site (scheme, host, port, path); every absolute URL "
        "the site writes (embed code, JSON `page`, Atom links) starts with it, never with "
        "the request's `Host`; default: the canonical base `DX_BASE_IRI`",
    )  # fmt: skip
    forwarded_allow_ips: str = _setting(
        "127.0.0.1 ::1", "addresses of the reverse proxies whose `X-Forwarded-Proto` and "
        "`X-Forwarded-For` are believed (space-separated; `none`: no proxy)",
    )  # fmt: skip
    ckan_license_id: str = _setting(
        "other-at", "CKAN `license_id` in `/catalog/ckan.json` (e.g. `PDL1.0`)"
    )
    release_check_interval: float = _setting(
        0.1, "with `DX_DIST_DIR` a release link (`<releases>/current`): seconds between two "
        "readings of the link; 0 = at every request",
    )  # fmt: skip
    release_grace: float = _setting(
        30.0, "seconds an app of a replaced release is kept, once its last request is "
        "answered, before its query workers are stopped",
    )  # fmt: skip

    def __post_init__(self) -> None:
        for iri in self.extension_functions:
            if not _ABSOLUTE_IRI.fullmatch(iri) or iri.lower().startswith(VIRTUOSO_NAMESPACES):
                name = self.env_name("sparql_extension_functions")
                raise ConfigError(
                    f"{name}: {iri!r} is not the full IRI of an extension function "
                    "(Virtuoso's bif: and sql: are never allowed)"
                )

    @staticmethod
    def env_name(name: str) -> str:
        """The environment variable of the setting ``name``."""
        spec = _FIELDS[name]
        return spec.metadata["env"] or f"DX_{name.upper()}"

    @classmethod
    def load(
        cls, overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
    ) -> Settings:
        """Settings from ``overrides`` (``{"SPARQL_TIMEOUT": 2}``), then the environment.

        :raises ConfigError: a value is not of the setting's type; names the setting.
        """
        overrides = overrides or {}
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for spec in fields(cls):
            raw, source = _raw(spec.name, spec.metadata, overrides, environ)
            if raw is not None and raw != "":
                values[spec.name] = _convert(spec.name, spec.default, raw, source)
        return cls(**values)

    @property
    def worker_memory_mb(self) -> int:
        """Each query process's share of ``sparql_memory_mb`` (0: no cap)."""
        if self.sparql_memory_mb <= 0:
            return 0
        return max(1, self.sparql_memory_mb // (max(1, self.workers) * max(1, self.sparql_workers)))

    @property
    def public_base(self) -> str:
        """Where readers reach the site, ending in ``/`` (``public_url``, else the base IRI)."""
        base = self.public_url or self.base_iri or DEFAULT_BASE_IRI
        return base if base.endswith("/") else base + "/"

    @property
    def trusted_proxies(self) -> frozenset[str]:
        addresses = self.forwarded_allow_ips.split()
        return frozenset() if addresses == ["none"] else frozenset(addresses)

    @property
    def extension_functions(self) -> frozenset[str]:
        """The IRIs of ``sparql_extension_functions``."""
        return frozenset(self.sparql_extension_functions.split())

    @property
    def endpoint_iri(self) -> str:
        """The canonical IRI of ``/sparql`` (resolves relative IRIs in queries)."""
        return (self.base_iri or DEFAULT_BASE_IRI).rstrip("/") + "/sparql"


_FIELDS = {spec.name: spec for spec in fields(Settings)}


def current_settings() -> Settings:
    """The settings of the running app (set once by ``create_app``)."""
    settings = current_app.extensions["lod_settings"]
    assert isinstance(settings, Settings)
    return settings


def _raw(
    name: str, meta: Mapping[str, str], overrides: Mapping[str, Any], environ: Mapping[str, str]
) -> tuple[Any, str]:
    key = name.upper()
    if key in overrides:
        return overrides[key], key
    env = meta["env"] or f"DX_{key}"
    if env in environ:
        return environ[env], env
    legacy = meta["legacy"]
    if legacy and legacy in environ:
        log.warning("%s is deprecated; set %s instead", legacy, env)
        return environ[legacy], legacy
    return None, ""


def _convert(name: str, default: Any, raw: Any, source: str) -> Any:
    kind = type(default) if default is not None and default is not MISSING else str
    if kind is bool:
        return _boolean(raw, source, name)
    try:
        value = kind(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{source}={raw!r}: {name} must be a {kind.__name__}") from exc
    if isinstance(value, int | float) and value < 0:
        raise ConfigError(f"{source}={raw!r}: {name} cannot be negative")
    return value


_TRUE, _FALSE = frozenset({"1", "true", "yes", "on"}), frozenset({"0", "false", "no", "off", ""})


def _boolean(raw: Any, source: str, name: str) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise ConfigError(f"{source}={raw!r}: {name} must be true or false (1/0, yes/no, on/off)")
