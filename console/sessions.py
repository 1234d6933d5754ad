"""Signed-in sessions, kept by the console (not in the cookie), and the CSRF tokens of forms.

The cookie holds 256 random bits; the console keeps only their SHA-256, with the account,
the session's CSRF token, and a stamp of the account's password hash: a new password ends
every session made before it, and a removed account ends its sessions. A session ends
after ``idle`` seconds without a request, after :data:`LONGEST` seconds in any case, and
at sign-out. Sessions live in ``<state>/sessions.json`` (0600, written atomically) so that
a restart of the console signs nobody out; ``seen`` is written at most once a minute.

Forms before sign-in (the sign-in form itself) carry :func:`login_token`, an HMAC of a
random value held in a cookie: a double-submit token only this console can make.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from console.accounts import Account
from console.storage import read_json, write_atomic, write_json

LONGEST = 12 * 3600
_WRITE_SEEN_EVERY = 60.0


@dataclass
class Session:
    user: str
    csrf: str
    stamp: str  #: of the account's password hash when the session began
    created: float
    seen: float


def account_stamp(account: Account) -> str:
    return hashlib.sha256(account.password_hash.encode()).hexdigest()[:16]


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Sessions:
    """The sessions of one console (one process: see README, the console)."""

    def __init__(self, state_dir: Path, *, idle: float) -> None:
        self.path = state_dir / "sessions.json"
        self.idle = idle
        self._lock = threading.Lock()
        raw = read_json(self.path, {}) or {}
        self._sessions = {key: Session(**value) for key, value in raw.items()}
        self._written = time.time()

    def create(self, account: Account) -> tuple[str, Session]:
        """A new session of ``account``: (the cookie's value, the session)."""
        token = secrets.token_urlsafe(32)
        now = time.time()
        session = Session(account.name, secrets.token_urlsafe(32), account_stamp(account), now, now)
        with self._lock:
            self._drop_expired(now)
            self._sessions[_key(token)] = session
            self._save()
        return token, session

    def get(self, token: str, account_of: dict[str, Account]) -> Session | None:
        """The live session of the cookie ``token``, or None (expired, ended, unknown, or
        its account gone or given a new password)."""
        if not token:
            return None
        key, now = _key(token), time.time()
        with self._lock:
            session = self._sessions.get(key)
            if session is None:
                return None
            account = account_of.get(session.user)
            if (
                account is None
                or account_stamp(account) != session.stamp
                or now - session.seen > self.idle
                or now - session.created > LONGEST
            ):
                del self._sessions[key]
                self._save()
                return None
            session.seen = now
            if now - self._written > _WRITE_SEEN_EVERY:
                self._save()
            return session

    def end(self, token: str) -> None:
        with self._lock:
            if self._sessions.pop(_key(token), None) is not None:
                self._save()

    def _drop_expired(self, now: float) -> None:
        for key, s in list(self._sessions.items()):
            if now - s.seen > self.idle or now - s.created > LONGEST:
                del self._sessions[key]

    def _save(self) -> None:
        write_json(self.path, {key: asdict(s) for key, s in self._sessions.items()})
        self._written = time.time()


class Secret:
    """The console's own secret (``<state>/secret.key``, 0600), made at first start."""

    def __init__(self, state_dir: Path) -> None:
        path = state_dir / "secret.key"
        if not path.exists():
            write_atomic(path, secrets.token_bytes(32))
        self.key = path.read_bytes()

    def login_token(self, nonce: str) -> str:
        """The sign-in form's CSRF token for the cookie value ``nonce``."""
        return hmac.new(self.key, b"login\0" + nonce.encode(), hashlib.sha256).hexdigest()

    def check_login_token(self, nonce: str, token: str) -> bool:
        return bool(nonce) and hmac.compare_digest(self.login_token(nonce), token)
