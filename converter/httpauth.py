"""HTTP authentication for ``publish``: Basic (RFC 7617) or Digest (RFC 7616), as the store asks.

The first request goes without credentials; the store's 401 names its scheme in
``WWW-Authenticate`` (Digest preferred when it offers both), and the request is sent again
with them. From then on every request carries them up front: Basic as it is, Digest with the
store's nonce and a growing nonce count; a store that wants a new nonce answers 401 with one,
and the request gets one more try. So a password is never sent before the store asked for
it, and never in the clear to a store that asks for Digest. Virtuoso's authenticated
endpoints (``/sparql-auth``, ``/sparql-graph-crud-auth``) speak Digest only and answer an
unasked-for Basic header with 401 and no challenge.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

#: One element of a challenge list: a scheme (a token alone) or ``name=value``.
_ELEMENT = re.compile(
    r"""\s*,?\s*(?P<name>[!#$%&'*+\-.^_`|~0-9A-Za-z]+)
        (?:\s*=\s*(?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<token>[^,\s]*)))?""",
    re.VERBOSE,
)
_HASHES: dict[str, Callable[[bytes], str]] = {
    "MD5": lambda data: hashlib.md5(data, usedforsecurity=False).hexdigest(),
    "SHA-256": lambda data: hashlib.sha256(data).hexdigest(),
}


@dataclass(frozen=True)
class Challenge:
    """One challenge of a ``WWW-Authenticate`` header: its scheme (lower case) and params."""

    scheme: str
    params: dict[str, str] = field(default_factory=dict)


def parse_challenges(headers: Iterable[str]) -> list[Challenge]:
    """Every challenge of the ``WWW-Authenticate`` header fields ``headers``."""
    found: list[tuple[str, dict[str, str]]] = []
    for header in headers:
        for match in _ELEMENT.finditer(header):
            name, quoted, token = match.group("name", "quoted", "token")
            if quoted is None and token is None:
                found.append((name.lower(), {}))
            elif found:
                value = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else token
                found[-1][1][name.lower()] = value
    return [Challenge(scheme, params) for scheme, params in found]


class Authenticator:
    """The ``Authorization`` header of each request, once the store has said how.

    One per publish run; requests go one after the other.
    """

    def __init__(self, user: str, password: str) -> None:
        self._user = user
        self._password = password
        self._challenge: Challenge | None = None
        self._count = 0

    def header(self, method: str, url: str) -> str | None:
        """What to send with ``method url`` (None: the store has not asked yet)."""
        if self._challenge is None:
            return None
        if self._challenge.scheme == "basic":
            token = base64.b64encode(f"{self._user}:{self._password}".encode()).decode("ascii")
            return f"Basic {token}"
        self._count += 1
        return digest_authorization(
            self._challenge.params,
            self._user,
            self._password,
            method,
            url,
            count=self._count,
            cnonce=secrets.token_hex(8),
        )

    def challenged(self, headers: Iterable[str], *, sent: str | None) -> bool:
        """Learn from a 401's ``WWW-Authenticate``; whether the request is worth sending again.

        Again when nothing was sent, or Digest with a nonce other than the one ``sent`` used
        (it expired); not when the credentials themselves were refused.
        """
        challenges = parse_challenges(headers)
        usable = [c for c in challenges if c.scheme == "digest" and _supported(c)]
        usable += [c for c in challenges if c.scheme == "basic"]
        if not usable:
            return False
        before = self._challenge
        self._challenge, self._count = usable[0], 0
        if sent is None or before is None:
            return True
        return usable[0].scheme == "digest" and usable[0].params.get("nonce") != before.params.get(
            "nonce"
        )


def _supported(challenge: Challenge) -> bool:
    params = challenge.params
    algorithm = params.get("algorithm", "MD5").upper().removesuffix("-SESS")
    qops = {q.strip() for q in params.get("qop", "auth").split(",")}
    return "nonce" in params and algorithm in _HASHES and "auth" in qops


def digest_authorization(
    params: dict[str, str],
    user: str,
    password: str,
    method: str,
    url: str,
    *,
    count: int,
    cnonce: str,
) -> str:
    """The ``Authorization`` value answering the Digest challenge ``params`` (RFC 7616,
    ``qop=auth``, MD5 or SHA-256 and their ``-sess`` forms; RFC 2069 without ``qop``)."""
    algorithm = params.get("algorithm", "MD5")
    digest = _HASHES[algorithm.upper().removesuffix("-SESS")]
    realm, nonce = params.get("realm", ""), params["nonce"]
    parts = urllib.parse.urlsplit(url)
    uri = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    nc = f"{count:08x}"
    ha1 = digest(f"{user}:{realm}:{password}".encode())
    if algorithm.upper().endswith("-SESS"):
        ha1 = digest(f"{ha1}:{nonce}:{cnonce}".encode())
    ha2 = digest(f"{method}:{uri}".encode())
    if "qop" in params:
        response = digest(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}".encode())
        extra = f", qop=auth, nc={nc}, cnonce={_quote(cnonce)}"
    else:  # RFC 2069: no qop, no count
        response = digest(f"{ha1}:{nonce}:{ha2}".encode())
        extra = ""
    opaque = f", opaque={_quote(params['opaque'])}" if "opaque" in params else ""
    return (
        f"Digest username={_quote(user)}, realm={_quote(realm)}, nonce={_quote(nonce)}, "
        f"uri={_quote(uri)}, algorithm={algorithm}, response={_quote(response)}{extra}{opaque}"
    )


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
