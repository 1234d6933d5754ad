"""Staff accounts: a name, a role, an argon2id password hash and API tokens (hashed).

Kept in ``<state>/accounts.json`` (0600, written atomically, changed under a lock that the
command line shares). Passwords are hashed with argon2id from ``argon2-cffi`` (RFC 9106's
memory-hard KDF, the library's defaults: 64 MiB, 3 passes, 4 lanes; about 0.1 s here).
API tokens are 256 random bits, so a fast hash is enough: only their SHA-256 is stored, and
a token is shown once, when it is made.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from console.storage import exclusive, read_json, write_json

EDITOR, PUBLISHER = "editor", "publisher"
ROLES = (EDITOR, PUBLISHER)
ROLE_LABELS = {EDITOR: "編集担当 / editor", PUBLISHER: "公開担当 / publisher"}
NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,31}")
MIN_PASSWORD = 12
TOKEN_PREFIX = "dxc_"
_HASHER = PasswordHasher()
#: Verified when the name is unknown, so that a wrong name costs as long as a wrong password.
_DUMMY = _HASHER.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """A name, role or password the console does not accept (the message says why)."""


@dataclass(frozen=True)
class Token:
    id: str
    sha256: str
    label: str
    created: str


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    password_hash: str
    changed: str  #: when the password was set: a session made before that is void
    tokens: tuple[Token, ...] = field(default_factory=tuple)

    @property
    def can_publish(self) -> bool:
        return self.role == PUBLISHER


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Accounts:
    """The accounts file of one state folder."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / "accounts.json"
        self.lock = state_dir / ".accounts.lock"
        self._cache: tuple[tuple[int, int], dict[str, Account]] | None = None

    def all(self) -> dict[str, Account]:
        """Every account by name, read again only when the file changed."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return {}
        stamp = (stat.st_mtime_ns, stat.st_size)
        if self._cache is None or self._cache[0] != stamp:
            self._cache = (stamp, _parse(read_json(self.path, {})))
        return self._cache[1]

    def get(self, name: str) -> Account | None:
        return self.all().get(name)

    def add(self, name: str, role: str, password: str, *, replace: bool = False) -> Account:
        """Create the account ``name`` (or, with ``replace``, set its role and password).

        :raises AccountError: a bad name, role or password, or the name is taken.
        """
        if not NAME.fullmatch(name):
            raise AccountError(
                "名前は英小文字・数字・. _ - の32文字まで / a name is up to 32 of a-z, 0-9, . _ -"
            )
        if role not in ROLES:
            raise AccountError(f"役割は {' か '.join(ROLES)} / the role is one of {ROLES}")
        check_password(password)
        with exclusive(self.lock):
            accounts = _parse(read_json(self.path, {}))
            if name in accounts and not replace:
                raise AccountError(f"{name} はもうあります / {name} exists (--replace to reset)")
            old = accounts.get(name)
            accounts[name] = Account(
                name, role, _HASHER.hash(password), now_iso(), old.tokens if old else ()
            )
            self._save(accounts)
        return accounts[name]

    def verify(self, name: str, password: str) -> Account | None:
        """The account if ``password`` is its password (about as slow either way)."""
        account = self.get(name)
        try:
            _HASHER.verify(account.password_hash if account else _DUMMY, password)
        except (VerificationError, InvalidHashError):
            return None
        return account

    def new_token(self, name: str, label: str) -> str:
        """A new API token of ``name``, returned once (only its SHA-256 is kept).

        :raises AccountError: no such account.
        """
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with exclusive(self.lock):
            accounts = _parse(read_json(self.path, {}))
            account = accounts.get(name)
            if account is None:
                raise AccountError(f"no account {name}")
            made = Token(secrets.token_hex(4), _token_digest(token), label[:80], now_iso())
            accounts[name] = _with_tokens(account, (*account.tokens, made))
            self._save(accounts)
        return token

    def revoke_token(self, name: str, token_id: str) -> bool:
        with exclusive(self.lock):
            accounts = _parse(read_json(self.path, {}))
            account = accounts.get(name)
            if account is None:
                return False
            kept = tuple(t for t in account.tokens if t.id != token_id)
            accounts[name] = _with_tokens(account, kept)
            self._save(accounts)
        return len(kept) < len(account.tokens)

    def by_token(self, token: str) -> Account | None:
        """The account that owns the API token ``token`` (constant-time comparisons)."""
        if not token.startswith(TOKEN_PREFIX):
            return None
        digest = _token_digest(token)
        found = None
        for account in self.all().values():
            for made in account.tokens:
                if hmac.compare_digest(made.sha256, digest):
                    found = account
        return found

    def _save(self, accounts: dict[str, Account]) -> None:
        write_json(
            self.path, {"version": 1, "accounts": {n: _dump(a) for n, a in accounts.items()}}
        )


def check_password(password: str) -> None:
    """:raises AccountError: shorter than :data:`MIN_PASSWORD` characters."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(
            f"パスワードは{MIN_PASSWORD}文字以上にしてください / a password has at least "
            f"{MIN_PASSWORD} characters"
        )


def _with_tokens(account: Account, tokens: tuple[Token, ...]) -> Account:
    return Account(account.name, account.role, account.password_hash, account.changed, tokens)


def _parse(doc: dict[str, Any]) -> dict[str, Account]:
    accounts = {}
    for name, entry in doc.get("accounts", {}).items():
        tokens = tuple(Token(**token) for token in entry.get("tokens", []))
        accounts[name] = Account(
            name, entry["role"], entry["password_hash"], entry["changed"], tokens
        )
    return accounts


def _dump(account: Account) -> dict[str, Any]:
    return {
        "role": account.role,
        "password_hash": account.password_hash,
        "changed": account.changed,
        "tokens": [token.__dict__ for token in account.tokens],
    }
