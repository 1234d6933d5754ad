"""What every cacheable answer carries: a strong ETag from the data's digest and the bytes,
Last-Modified from the build time, and Cache-Control freshness."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from werkzeug.http import http_date

from server.errors import StoreError


class DataVersion:
    """The data's digest now (``read``: ``Store.data_version``), or the last one read while
    the store cannot be asked: a digest that cannot be read has not changed as far as
    anyone knows, and the answers rendered under it are still the best there are."""

    def __init__(self, read: Callable[[], str | None]) -> None:
        self.read = read
        self.last: str | None = None

    def __call__(self) -> str | None:
        try:
            self.last = self.read()
        except StoreError:
            pass
        return self.last


@dataclass(frozen=True)
class Validators:
    """What every cacheable answer of one served build carries."""

    version: Callable[[], str | None]  #: the data's digest now (None: the store cannot tell)
    built: datetime  #: Last-Modified
    max_age: int  #: seconds of Cache-Control freshness

    def etag(self, body: bytes) -> str:
        digest = (self.version() or "").encode()
        return hashlib.sha256(digest + b"\0" + body).hexdigest()[:32]

    @cached_property
    def last_modified(self) -> str:
        """``built`` as an HTTP date, formatted once (every answer carries it)."""
        return http_date(self.built)

    @cached_property
    def public(self) -> str:
        """The Cache-Control of an answer any cache may keep."""
        return f"public, max-age={self.max_age}"
