"""The HTTP API: the console's actions for automation, with a bearer token per account.

Described by ``/api/v1/openapi.json`` (:mod:`console.web.openapi`). Every answer is JSON;
an error is ``{"ok": false, "error": …, "status": …}``, the public server's one shape.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request, send_file
from werkzeug.wrappers import Response as BaseResponse

from console.candidates import CHECKED, UploadRefused
from console.publishing import Refused
from console.web.guard import ApiRefusal, console, publisher_only
from console.web.pages import chunks

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def error_body(status: int, message: str) -> Response:
    response = jsonify(ok=False, error=message, status=status)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="dx-console"'
    return response


def candidate_json(record: dict[str, Any]) -> dict[str, Any]:
    body = {k: v for k, v in record.items() if k != "changes"}
    body["links"] = {
        "self": f"/api/v1/candidates/{record['id']}",
        "page": f"/candidates/{record['id']}",
        "changes": f"/api/v1/candidates/{record['id']}/changes",
    }
    if record.get("status") == CHECKED:
        body["links"]["preview"] = f"/preview/{record['id']}/"
        body["removals"] = record["changes"]["removals"]
    return body


def _candidate(candidate_id: str) -> dict[str, Any]:
    try:
        return console().candidates.get(candidate_id)
    except KeyError:
        raise ApiRefusal(404, "no such candidate") from None


def _release(release_id: str) -> dict[str, Any]:
    try:
        return console().releases.record(release_id)
    except KeyError:
        raise ApiRefusal(404, "no such release") from None


@bp.get("/openapi.json")
def openapi() -> Response:
    from console.web.openapi import document

    return jsonify(document())


@bp.post("/candidates")
def upload() -> tuple[Response, int]:
    file = request.files.get("table")
    if file is None:
        raise ApiRefusal(400, "send the table as the multipart field 'table'")
    try:
        record = console().upload(
            g.user.name,
            file.filename or "",
            chunks(file),
            title_ja=request.form.get("title_ja", ""),
            title_en=request.form.get("title_en", ""),
        )
    except UploadRefused as refused:
        raise ApiRefusal(400, str(refused)) from None
    return jsonify(candidate_json(record)), 201 if record["status"] == CHECKED else 422


@bp.get("/candidates")
def candidates() -> Response:
    return jsonify(candidates=[candidate_json(c) for c in console().candidates.all()])


@bp.get("/candidates/<candidate_id>")
def candidate(candidate_id: str) -> Response:
    return jsonify(candidate_json(_candidate(candidate_id)))


@bp.get("/candidates/<candidate_id>/changes")
def changes(candidate_id: str) -> Response:
    record = _candidate(candidate_id)
    if not record.get("changes"):
        raise ApiRefusal(409, "the candidate has problems: it has no changes to show")
    return jsonify(record["changes"])


@bp.get("/candidates/<candidate_id>/preview")
def preview(candidate_id: str) -> Response:
    record = _candidate(candidate_id)
    if record.get("status") != CHECKED:
        raise ApiRefusal(409, "only a checked candidate has a preview")
    root = f"/preview/{candidate_id}/"
    pages = ("", "kpis", "projects", "dashboard", "changes")
    return jsonify(url=root, pages=[root + page for page in pages])


@bp.delete("/candidates/<candidate_id>")
def discard(candidate_id: str) -> tuple[str, int]:
    _candidate(candidate_id)
    console().discard(candidate_id, g.user.name)
    return "", 204


@bp.post("/candidates/<candidate_id>/publish")
@publisher_only
def publish(candidate_id: str) -> Response:
    _candidate(candidate_id)
    body = request.get_json(silent=True) or {}
    svc = console()
    try:
        release = svc.publisher.publish(
            candidate_id,
            g.user.name,
            str(body.get("reason", "")),
            body.get("confirm_removals") is True,
        )
    except Refused as refused:
        raise ApiRefusal(refused.status, str(refused)) from None
    svc.after_publish(candidate_id)
    return jsonify(release)


@bp.get("/releases")
def releases() -> Response:
    svc = console()
    return jsonify(live=svc.releases.current_id(), releases=svc.releases.all())


@bp.get("/releases/<release_id>")
def release(release_id: str) -> Response:
    return jsonify(_release(release_id))


@bp.get("/releases/<release_id>/table")
def table(release_id: str) -> BaseResponse:
    record = _release(release_id)
    path = console().releases.folder(release_id) / "source" / record["table"]["stored"]
    if not path.is_file():
        raise ApiRefusal(404, "the release has no table")
    return send_file(path, as_attachment=True, download_name=record["table"]["name"])


@bp.post("/releases/<release_id>/rollback")
@publisher_only
def rollback(release_id: str) -> Response:
    _release(release_id)
    body = request.get_json(silent=True) or {}
    try:
        record = console().publisher.rollback(release_id, g.user.name, str(body.get("reason", "")))
    except Refused as refused:
        raise ApiRefusal(refused.status, str(refused)) from None
    return jsonify(record)


@bp.get("/audit")
def audit() -> Response:
    limit = request.args.get("limit", "200")
    count = int(limit) if limit.isdigit() else 200
    return jsonify(entries=console().audit.latest(min(max(count, 1), 1000)))
