"""Who is asking, and may they: sessions, bearer tokens, CSRF tokens and roles.

Deny by default: before every request, an endpoint not in :data:`PUBLIC` needs a
signed-in session (pages: else a redirect to the sign-in page) or, under ``/api/``, a
bearer token (else 401). Every POST of a page carries the session's CSRF token (the
sign-in form: :meth:`console.sessions.Secret.login_token`); a missing or wrong one is a
400. :func:`publisher_only` lets only publishers through (403).

Cookies are ``HttpOnly``, ``SameSite=Strict``, and ``Secure`` with the ``__Host-`` prefix
when the request came over HTTPS (``X-Forwarded-Proto`` is believed from
``DX_CONSOLE_FORWARDED_ALLOW_IPS`` only: :class:`server.wsgi.forwarded.TrustedProxy`).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import quote

from flask import Flask, Request, Response, abort, current_app, g, redirect, request
from werkzeug.wrappers import Response as BaseResponse

from console.accounts import Account

if TYPE_CHECKING:
    from console.service import Console

#: Endpoints anyone may reach: signing in, the style sheet, the API's description.
PUBLIC = frozenset({"auth.login", "auth.login_form", "static", "api.openapi"})
SESSION, LOGIN = "dxc_session", "dxc_login"
F = TypeVar("F", bound=Callable[..., Any])


class ApiRefusal(Exception):
    """An API request refused with ``status`` (JSON body ``{ok, error, status}``)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def console() -> Console:
    return cast("Console", current_app.extensions["console"])


def cookie_name(base: str, req: Request | None = None) -> str:
    return f"__Host-{base}" if (req or request).is_secure else base


def set_cookie(response: BaseResponse, base: str, value: str, max_age: int | None = None) -> None:
    response.set_cookie(
        cookie_name(base),
        value,
        max_age=max_age,
        path="/",
        secure=request.is_secure,
        httponly=True,
        samesite="Strict",
    )


def clear_cookie(response: BaseResponse, base: str) -> None:
    response.delete_cookie(
        cookie_name(base), path="/", secure=request.is_secure, httponly=True, samesite="Strict"
    )


def session_of(svc: Console, req: Request) -> tuple[Account, str] | None:
    """The account of the request's session cookie and the session's CSRF token."""
    token = req.cookies.get(cookie_name(SESSION, req), "")
    accounts = svc.accounts.all()
    session = svc.sessions.get(token, accounts)
    if session is None or session.user not in accounts:
        return None
    return accounts[session.user], session.csrf


def session_user() -> Account | None:
    found = session_of(console(), request)
    if found is None:
        return None
    g.csrf = found[1]
    return found[0]


def bearer_of(svc: Console, req: Request) -> Account | None:
    """The account whose API token the request's ``Authorization: Bearer`` carries."""
    scheme, _, token = req.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return svc.accounts.by_token(token.strip())


def bearer_user() -> Account | None:
    return bearer_of(console(), request)


def may_preview(svc: Console, environ: dict[str, Any]) -> bool:
    """Whether the request has a session or a bearer token (the preview's gate)."""
    req = Request(environ)
    return session_of(svc, req) is not None or bearer_of(svc, req) is not None


def check_request() -> Response | None:
    """The before-request hook (see the module docstring)."""
    g.user = None
    endpoint = request.endpoint or ""
    api = request.path.startswith("/api/")
    g.api = api
    if endpoint in PUBLIC:
        return None
    g.user = bearer_user() if api else session_user()
    if g.user is None:
        if api:
            raise ApiRefusal(401, "サインインが必要です / a bearer token is required")
        target = request.full_path if request.query_string else request.path
        return redirect(f"/login?next={quote(target, safe='/')}", 303)  # type: ignore[return-value]
    if not api and request.method == "POST":
        sent = request.form.get("csrf_token", "")
        if not sent or not hmac.compare_digest(sent, g.get("csrf", "")):
            abort(400, description=CSRF_MISSING)
    return None


CSRF_MISSING = (
    "フォームの確認用の値（CSRF トークン）がないか、古くなっています。ページを開き直してから"
    "もう一度送ってください / the form's CSRF token is missing or stale: reload the page and "
    "send it again"
)


def publisher_only(view: F) -> F:
    """Only a publisher may run ``view`` (403 otherwise)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        user = g.get("user")
        if user is None or not user.can_publish:
            if g.get("api"):
                raise ApiRefusal(403, FORBIDDEN)
            abort(403, description=FORBIDDEN)
        return view(*args, **kwargs)

    return cast(F, wrapped)


FORBIDDEN = (
    "公開と切り戻しは公開担当（publisher）だけができます / only a publisher may publish or "
    "roll back"
)


def init_app(app: Flask) -> None:
    app.before_request(check_request)
