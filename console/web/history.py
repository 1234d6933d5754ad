"""History: every release with who, when, digests, changes and reason; its table; roll-back;
and the audit log."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, send_file
from werkzeug.wrappers import Response

from console.publishing import Refused
from console.web.guard import console, publisher_only
from console.web.pages import refusal

bp = Blueprint("history", __name__)


@bp.get("/releases")
def releases() -> str:
    svc = console()
    return render_template(
        "console/history.html",
        releases=svc.releases.all(),
        live=svc.releases.current_id(),
        keep=svc.settings.releases_keep,
    )


@bp.get("/releases/<release_id>")
def release(release_id: str) -> str:
    svc = console()
    try:
        record = svc.releases.record(release_id)
    except KeyError:
        abort(404)
    return render_template(
        "console/release.html",
        r=record,
        live=svc.releases.current_id(),
        entries=list(reversed(record.get("audit", []))),
        published=request.args.get("published") == "1",
    )


@bp.get("/releases/<release_id>/table")
def table(release_id: str) -> Response:
    """The table the release was built from, as it was uploaded."""
    svc = console()
    try:
        record = svc.releases.record(release_id)
        path = svc.releases.folder(release_id) / "source" / record["table"]["stored"]
    except KeyError:
        abort(404)
    if not path.is_file():
        abort(404)
    return send_file(path, as_attachment=True, download_name=record["table"]["name"])


@bp.post("/releases/<release_id>/rollback")
@publisher_only
def rollback(release_id: str) -> Response | tuple[str, int]:
    try:
        console().publisher.rollback(release_id, g.user.name, request.form.get("reason", ""))
    except KeyError:
        abort(404)
    except Refused as refused:
        return refusal(str(refused), refused.status, back="/releases")
    return redirect("/releases", 303)


@bp.get("/audit")
def audit() -> str:
    return render_template("console/audit.html", entries=console().audit.latest(200))
