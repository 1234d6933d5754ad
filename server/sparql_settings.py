"""Limits and options of ``/sparql``; every one is on by default (Datasette's stance)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields

DEFAULT_BASE_IRI = "https://data.pref.fukushima.lg.jp/dx/"


@dataclass(frozen=True)
class SparqlSettings:
    """Read from the app config, then the environment, then these defaults."""

    timeout: float = 10.0  #: SPARQL_TIMEOUT, seconds per query (waiting for a worker counts)
    max_rows: int = 10_000  #: SPARQL_MAX_ROWS, rows (or triples) kept; the rest is cut off
    max_query_length: int = 20_000  #: SPARQL_MAX_QUERY_LENGTH, characters
    max_body_bytes: int = 512 * 1024  #: SPARQL_MAX_BODY_BYTES, POST body size
    workers: int = 2  #: SPARQL_WORKERS, query processes per server process (local store)
    worker_memory_mb: int = 2048  #: SPARQL_WORKER_MEMORY_MB, address-space cap; 0 = none
    cache_size: int = 256  #: SPARQL_CACHE_SIZE, answers kept in memory; 0 = no cache
    base_iri: str = DEFAULT_BASE_IRI  #: BASE_IRI (config) / DX_BASE_IRI; endpoint = base + sparql

    @property
    def endpoint_iri(self) -> str:
        return self.base_iri.rstrip("/") + "/sparql"

    @classmethod
    def from_mapping(cls, config: Mapping[str, object] | None = None) -> SparqlSettings:
        """Settings from ``config`` (e.g. ``app.config``) and ``os.environ``.

        :raises ValueError: a value is not a number where one is needed.
        """
        config = config or {}
        values: dict[str, object] = {}
        for spec in fields(cls):
            if spec.name == "base_iri":  # the app factory's name first, then the env's
                raw = config.get("BASE_IRI") or os.environ.get("DX_BASE_IRI")
            else:
                key = f"SPARQL_{spec.name.upper()}"
                raw = config.get(key, os.environ.get(key))
            if raw is not None and raw != "":
                kind = type(getattr(cls, spec.name))
                values[spec.name] = kind(raw)
        return cls(**values)  # type: ignore[arg-type]
