"""Sign in and sign out (throttled, CSRF-checked, every attempt in the audit log)."""

from __future__ import annotations

import secrets

from flask import Blueprint, Response, abort, g, redirect, render_template, request
from werkzeug.wrappers import Response as BaseResponse

from console.audit import FAILED, OK, REFUSED
from console.web.guard import (
    LOGIN,
    SESSION,
    clear_cookie,
    console,
    cookie_name,
    set_cookie,
)

bp = Blueprint("auth", __name__)


def _next(target: str | None) -> str:
    """Where to go after signing in: a path of this console, never another site."""
    target = target or "/"
    if not target.startswith("/") or target.startswith(("//", "/\\")) or "\\" in target:
        return "/"
    return target


def _form(*, status: int = 200, wait: int = 0, error: bool = False, name: str = "") -> Response:
    nonce = request.cookies.get(cookie_name(LOGIN), "") or secrets.token_urlsafe(24)
    page = render_template(
        "console/login.html",
        login_token=console().secret.login_token(nonce),
        next=_next(request.values.get("next")),
        wait=wait,
        error=error,
        name=name,
    )
    response = Response(page, status=status, mimetype="text/html")
    if wait:
        response.headers["Retry-After"] = str(wait)
    set_cookie(response, LOGIN, nonce)
    return response


@bp.get("/login")
def login_form() -> BaseResponse:
    return _form()


@bp.post("/login")
def login() -> BaseResponse:
    svc = console()
    nonce = request.cookies.get(cookie_name(LOGIN), "")
    if not svc.secret.check_login_token(nonce, request.form.get("csrf_token", "")):
        from console.web.guard import CSRF_MISSING

        abort(400, description=CSRF_MISSING)
    name = request.form.get("name", "").strip()[:64]
    password = request.form.get("password", "")[:1024]
    address = request.remote_addr or "-"
    wait = svc.throttle.wait(name, address)
    if wait > 0:
        svc.audit.append(name, "login", REFUSED, message=f"throttled ({wait:.0f} s) from {address}")
        return _form(status=429, wait=int(wait + 0.999), name=name)
    account = svc.accounts.verify(name, password)
    if account is None:
        svc.throttle.failed(name, address)
        svc.audit.append(name, "login", FAILED, message=f"wrong name or password from {address}")
        return _form(error=True, name=name)
    svc.throttle.succeeded(name)
    token, _ = svc.sessions.create(account)
    svc.audit.append(account.name, "login", OK, message=f"from {address}")
    response = redirect(_next(request.form.get("next")), 303)
    set_cookie(response, SESSION, token)
    clear_cookie(response, LOGIN)
    return response


@bp.post("/logout")
def logout() -> BaseResponse:
    svc = console()
    svc.sessions.end(request.cookies.get(cookie_name(SESSION), ""))
    svc.audit.append(g.user.name, "logout", OK)
    response = redirect("/login", 303)
    clear_cookie(response, SESSION)
    return response
