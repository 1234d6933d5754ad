"""The flow in pages, without JavaScript: upload → check report → changes → preview → publish."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, abort, g, redirect, render_template, request
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from console import report
from console.candidates import UploadRefused
from console.publishing import Refused
from console.web.guard import console, publisher_only
from converter.changes import KINDS

bp = Blueprint("pages", __name__)
CHUNK = 1 << 16


def chunks(upload: FileStorage) -> Iterator[bytes]:
    return iter(lambda: upload.stream.read(CHUNK), b"")


@bp.get("/")
def home() -> str:
    svc = console()
    live = svc.releases.current_id()
    return render_template(
        "console/home.html",
        live=svc.releases.record(live) if live else None,
        candidates=svc.candidates.all()[:10],
        max_mb=svc.settings.console_max_upload_mb,
    )


@bp.post("/upload")
def upload() -> Response | tuple[str, int]:
    file = request.files.get("table")
    try:
        record = console().upload(
            g.user.name,
            file.filename or "" if file is not None else "",
            chunks(file) if file is not None else iter(()),
            title_ja=request.form.get("title_ja", ""),
            title_en=request.form.get("title_en", ""),
        )
    except UploadRefused as refused:
        return refusal(str(refused), 400)
    return redirect(f"/candidates/{record['id']}", 303)


def refusal(message: str, status: int, back: str | None = None) -> tuple[str, int]:
    titles = {
        400: ("受け付けられません", "Refused"),
        409: ("実行できません", "Conflict"),
        413: ("ファイルが大きすぎます", "Too large"),
        422: ("確認が必要です", "Confirmation needed"),
        502: ("公開に失敗しました", "Publishing failed"),
    }
    ja, en = titles.get(status, ("エラー", "Error"))
    page = render_template(
        "console/error.html", code=status, title_ja=ja, title_en=en, message=message, back=back
    )
    return page, status


@bp.get("/candidates/<candidate_id>")
def candidate(candidate_id: str) -> str:
    try:
        record = console().candidates.get(candidate_id)
    except KeyError:
        abort(404)
    problems = record.get("problems", [])
    return render_template(
        "console/candidate.html",
        c=record,
        groups=report.groups(problems),
        rows=report.rows(problems),
        kinds=[(kind, ja, en) for kind, _, ja, en in KINDS],
        preview=f"/preview/{candidate_id}/",
    )


@bp.post("/candidates/<candidate_id>/publish")
@publisher_only
def publish(candidate_id: str) -> Response | tuple[str, int]:
    svc = console()
    try:
        release = svc.publisher.publish(
            candidate_id,
            g.user.name,
            request.form.get("reason", ""),
            request.form.get("confirm_removals") == "yes",
        )
    except KeyError:
        abort(404)
    except Refused as refused:
        return refusal(str(refused), refused.status, back=f"/candidates/{candidate_id}")
    svc.after_publish(candidate_id)
    return redirect(f"/releases/{release['id']}?published=1", 303)


@bp.post("/candidates/<candidate_id>/discard")
def discard(candidate_id: str) -> Response:
    try:
        console().discard(candidate_id, g.user.name)
    except KeyError:
        abort(404)
    return redirect("/", 303)
