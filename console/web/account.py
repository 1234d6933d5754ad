"""The signed-in account: its API tokens (made, shown once, revoked)."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request
from werkzeug.wrappers import Response

from console.audit import OK
from console.web.guard import console

bp = Blueprint("account", __name__)


@bp.get("/account")
def page() -> str:
    return render_template("console/account.html")


@bp.post("/account/tokens")
def new_token() -> str:
    svc = console()
    label = request.form.get("label", "").strip() or "token"
    token = svc.accounts.new_token(g.user.name, label)
    svc.audit.append(g.user.name, "token", OK, message=f"made API token '{label[:80]}'")
    g.user = svc.accounts.get(g.user.name)
    return render_template("console/account.html", new_token=token)


@bp.post("/account/tokens/<token_id>/revoke")
def revoke(token_id: str) -> Response:
    svc = console()
    if svc.accounts.revoke_token(g.user.name, token_id):
        svc.audit.append(g.user.name, "token", OK, message=f"revoked API token {token_id}")
    return redirect("/account", 303)
