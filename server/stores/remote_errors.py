"""What a remote store's failure becomes: a status, a message for the client, a log line.

Anonymous clients learn what kind of failure it was and nothing of the store: not its URL
(which may hold a user and a password), nor its own words (Virtuoso's error text names its
tables, procedures and the query it rewrote; a careless store echoes credentials). The
detail goes to the server's log, with the credentials cut out: ``ServerError.detail``,
which server/errors.py logs and never sends.

A query the store refuses is the client's to fix, so 400 (:class:`QueryRejected`): an HTTP
400 from the store, and an HTTP 500 whose text names an SQLSTATE of class 22 (data
exception), 37 or 42 (syntax error or access rule violation): Virtuoso answers its SPARQL
compiler's errors, a function given the wrong type and an undefined function with 500.
"""

from __future__ import annotations

import ast
import base64
import http.client
import re
import urllib.error
import urllib.parse
from dataclasses import dataclass

from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    QueryBadFormed,
    SPARQLWrapperException,
    Unauthorized,
)

from server.errors import (
    QueryError,
    QueryRejected,
    StoreError,
    StoreTimeout,
    StoreUnavailable,
)

STORE_FAILED = "the data store failed to answer / データストアが応答に失敗しました"
STORE_DOWN = (
    "the data store cannot be reached now; try again later / データストアに接続できません。"
    "しばらくしてから再度お試しください"
)
QUERY_REJECTED = (
    "the data store could not run this query: it has a syntax error, or uses a feature or "
    "function the store does not support / データストアがこのクエリを実行できませんでした"
    "（構文の誤り、または対応していない機能・関数）"
)
#: A store's words that blame the query: Virtuoso's ``Virtuoso 37000 Error SP030: …``.
_QUERY_FAULT = re.compile(r"\bVirtuoso (?:22|37|42)[0-9A-Z]{3} Error\b")


@dataclass(frozen=True)
class StoreAddress:
    """A store's query URL without credentials (safe to log), and the credentials that
    ``user:password@`` in the configured URL gave (sent as HTTP Basic auth)."""

    url: str
    user: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, url: str) -> StoreAddress:
        """Split ``http://user:password@host/query`` (userinfo percent-decoded)."""
        parts = urllib.parse.urlsplit(url)
        if parts.username is None and parts.password is None:
            return cls(url)
        host = parts.netloc.rpartition("@")[2]
        bare = urllib.parse.urlunsplit(parts._replace(netloc=host))
        user = urllib.parse.unquote(parts.username or "")
        return cls(bare, user, urllib.parse.unquote(parts.password or ""))

    def redact(self, text: str) -> str:
        """``text`` with the password, and the Basic token that carries it, cut out."""
        if not self.password:
            return text
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        for secret in (token, self.password):
            text = text.replace(secret, "***")
        return text


def store_says(exc: BaseException) -> str:
    """The store's own words from a SPARQLWrapper exception (it keeps only their repr).

    Virtuoso appends the whole query, prefixed with one ``define input:…-graph-uri`` per
    published graph; that echo is cut.
    """
    text = str(exc)
    _, found, raw = text.partition("Response:\n")
    if found:
        try:
            value = ast.literal_eval(raw.strip())
            if isinstance(value, bytes):
                text = value.decode("utf-8", "replace")
        except (ValueError, SyntaxError):
            pass
    return text.split("\n\nSPARQL query:\n", 1)[0].strip()


def failure(address: StoreAddress, what: str) -> StoreError:
    """A 502 that tells the client only that the store failed; ``what`` is logged."""
    return StoreError(STORE_FAILED, detail=address.redact(f"SPARQL store {address.url} {what}"))


def remote_error(
    exc: BaseException, address: StoreAddress, timeout: float
) -> StoreError | QueryError:
    """What went wrong in a failed HTTP exchange with the store (see the module docstring)."""
    where = f"SPARQL store {address.url}"
    if isinstance(exc, Unauthorized):  # its body may echo what we sent: not even logged
        return StoreError(STORE_FAILED, detail=f"{where} refused our credentials (HTTP 401)")
    if isinstance(exc, SPARQLWrapperException):
        says = address.redact(store_says(exc)[:500])
        if isinstance(exc, QueryBadFormed) or (
            isinstance(exc, EndPointInternalError) and _QUERY_FAULT.search(says)
        ):
            return QueryRejected(QUERY_REJECTED, detail=f"{where} refused the query: {says}")
        return failure(address, f"failed: {says}")
    if isinstance(exc, urllib.error.HTTPError):
        kind = {503: StoreUnavailable, 504: StoreTimeout}.get(exc.code, StoreError)
        message = {503: STORE_DOWN, 504: _late(timeout)}.get(exc.code, STORE_FAILED)
        return kind(message, detail=f"{where} answered HTTP {exc.code}")
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, TimeoutError):
        return StoreTimeout(_late(timeout), detail=f"{where} did not answer within {timeout} s")
    if isinstance(reason, OSError):  # refused, reset, unknown host, unreachable network
        return StoreUnavailable(STORE_DOWN, detail=f"{where} is unreachable ({reason})")
    if isinstance(exc, http.client.HTTPException):
        return failure(address, f"sent a broken answer ({exc!r})")
    return failure(address, f"failed ({exc!r})")


def _late(timeout: float) -> str:
    return (
        f"the data store did not answer within {timeout:g} s / "
        f"データストアが{timeout:g}秒以内に応答しませんでした"
    )
