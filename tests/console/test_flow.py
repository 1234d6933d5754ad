"""The flow in pages: upload → report → changes → preview → publish; history; roll-back; the
removals gate; a candidate checked against another live release; the last N releases."""

from __future__ import annotations

import json
import os
from pathlib import Path

from flask.testing import FlaskClient
from markupsafe import escape

from converter.contract import Manifest
from tests.console.conftest import Place
from tests.console.support import candidate_id, upload
from tests.console.tables import FY2023, FY2024, edited, set_cell, without_project


def _live(place: Place) -> str:
    return os.readlink(place.releases / "current").split("/")[0]


def _audit(place: Place) -> list[dict[str, object]]:
    lines = (place.state / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_upload_report_changes_preview_publish(
    publisher: tuple[FlaskClient, str], place: Place
) -> None:
    client, csrf = publisher
    first = _live(place)
    cid = candidate_id(upload(client, csrf, FY2024))
    page = client.get(f"/candidates/{cid}").get_data(as_text=True)
    assert "dx-kpi-fy2024.csv: 問題はありません" in page and "no problems" in page
    assert "令和6年度（FY2024）" in page and "新しい年度版" in page
    # Changes against what is live: the new edition's resources, nothing removed.
    assert 'id="changes-2024"' in page and 'id="changes-2023"' in page
    changes = client.application.extensions["console"].candidates.get(cid)["changes"]
    fy2024 = next(e for e in changes["editions"] if e["year"] == 2024)
    assert fy2024["state"] == "new" and changes["removals"] == 0
    assert len(fy2024["added"]["project"]) == 52  # 51 of FY2023 kept + No 53
    # Preview: the public site's pages over the candidate, links kept inside it.
    for path in ("", "kpis", "projects", "dashboard", "changes", "id/kpi/3"):
        answer = client.get(f"/preview/{cid}/{path}")
        assert answer.status_code == 200, path
        assert answer.headers["Cache-Control"] == "private, no-store"
        assert answer.headers["X-Robots-Tag"] == "noindex"
        assert "Access-Control-Allow-Origin" not in answer.headers
        body = answer.get_data(as_text=True)
        assert 'id="preview-banner"' in body, path
        assert 'href="/kpis"' not in body and f'href="/preview/{cid}/kpis"' in body, path
    assert "69,512" in client.get(f"/preview/{cid}/kpis").get_data(as_text=True)
    assert client.get(f"/preview/{cid}").status_code == 308
    assert "69,512" not in (place.releases / "current" / "download" / "dx-kpi.ttl").read_text()
    # Publish.
    answer = client.post(f"/candidates/{cid}/publish", data={"csrf_token": csrf, "reason": "R6"})
    assert answer.status_code == 303
    release = answer.headers["Location"].split("/")[2].split("?")[0]
    assert _live(place) == release != first
    assert Manifest.read(place.releases / "current").editions == (2023, 2024)
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert 'id="published"' in page
    assert client.get(f"/preview/{cid}/kpis").status_code == 404  # the preview is gone
    # History: who, when, table and build digests, changes, reason; the table downloadable.
    history = client.get("/releases").get_data(as_text=True)
    record = client.application.extensions["console"].releases.record(release)
    for shown in (record["table"]["sha256"][:12], record["build"]["digest"][:12], "R6", "alice"):
        assert shown in history
    assert "FY2024（新規 new）: +" in history
    with client.get(f"/releases/{release}/table") as table:
        assert table.data == FY2024.read_bytes()
        assert "dx-kpi-fy2024.csv" in table.headers["Content-Disposition"]
    assert record["previous"] == first and record["went_live"]
    assert record["audit"][-1]["action"] == "publish" and record["audit"][-1]["result"] == "ok"
    actions = [(e["action"], e["result"]) for e in _audit(place)]
    assert actions[-2:] == [("upload", "ok"), ("publish", "ok")]


def test_roll_back_to_any_earlier_release_in_one_step(
    publisher: tuple[FlaskClient, str], place: Place
) -> None:
    client, csrf = publisher
    first = _live(place)
    cid = candidate_id(upload(client, csrf, FY2024))
    client.post(f"/candidates/{cid}/publish", data={"csrf_token": csrf})
    second = _live(place)
    answer = client.post(f"/releases/{first}/rollback", data={"csrf_token": csrf, "reason": ""})
    assert answer.status_code == 422 and _live(place) == second  # a reason is needed
    answer = client.post(
        f"/releases/{first}/rollback", data={"csrf_token": csrf, "reason": "値の誤り"}
    )
    assert answer.status_code == 303
    assert _live(place) == first
    assert Manifest.read(place.releases / "current").editions == (2023,)
    record = client.application.extensions["console"].releases.record(first)
    assert (
        record["audit"][-1]["action"] == "rollback" and record["audit"][-1]["reason"] == "値の誤り"
    )
    assert record["previous"] == second
    again = client.post(f"/releases/{first}/rollback", data={"csrf_token": csrf, "reason": "x"})
    assert again.status_code == 409  # already live
    client.post(f"/releases/{second}/rollback", data={"csrf_token": csrf, "reason": "戻す"})
    assert _live(place) == second
    results = [(e["action"], e["result"]) for e in _audit(place) if e["action"] == "rollback"]
    assert results == [("rollback", "refused"), ("rollback", "ok")] + [
        ("rollback", "refused"),
        ("rollback", "ok"),
    ]


def test_a_removal_needs_a_confirmation_and_a_reason(
    publisher: tuple[FlaskClient, str], place: Place, tmp_path: Path
) -> None:
    client, csrf = publisher
    first = _live(place)
    cut = edited(FY2023, tmp_path / "dx-kpi-fy2023.csv", lambda t: without_project(t, "12"))
    cid = candidate_id(upload(client, csrf, cut))
    page = client.get(f"/candidates/{cid}").get_data(as_text=True)
    assert 'id="removals-warning"' in page and 'id="confirm-removals"' in page
    assert "削除 / removed 事業 / projects id/project/fy2023/12" in page
    for form in ({}, {"confirm_removals": "yes"}, {"reason": "No12 は廃止"}):
        answer = client.post(f"/candidates/{cid}/publish", data={"csrf_token": csrf, **form})
        assert answer.status_code == 422, form
        assert "削除を確認し、理由を書いてください" in answer.get_data(as_text=True)
        assert _live(place) == first
    answer = client.post(
        f"/candidates/{cid}/publish",
        data={"csrf_token": csrf, "confirm_removals": "yes", "reason": "No12 は廃止"},
    )
    assert answer.status_code == 303 and _live(place) != first
    record = client.application.extensions["console"].releases.record(_live(place))
    assert record["reason"] == "No12 は廃止" and record["changes"]["removals"] > 0
    refused = [e for e in _audit(place) if e["action"] == "publish" and e["result"] == "refused"]
    assert len(refused) == 3


def test_a_candidate_checked_against_another_live_release_is_refused(
    publisher: tuple[FlaskClient, str], place: Place, tmp_path: Path
) -> None:
    client, csrf = publisher
    one = candidate_id(upload(client, csrf, FY2024))
    other_table = edited(
        FY2024, tmp_path / "dx-kpi-fy2024.csv", lambda t: set_cell(t, "1", "評価", "")
    )
    other = candidate_id(upload(client, csrf, other_table))
    assert client.post(f"/candidates/{one}/publish", data={"csrf_token": csrf}).status_code == 303
    live = _live(place)
    answer = client.post(f"/candidates/{other}/publish", data={"csrf_token": csrf})
    assert answer.status_code == 409
    assert "もう一度アップロードして確認してください" in answer.get_data(as_text=True)
    assert _live(place) == live


def test_the_last_n_releases_are_kept_never_the_live_one_or_the_one_before(
    place: Place, tmp_path: Path
) -> None:
    from console.app import create_console_app
    from tests.console.support import sign_in

    app = create_console_app(place.config(RELEASES_KEEP=1))
    client = app.test_client()
    csrf = sign_in(client, "alice")
    first = _live(place)
    made = [first]
    for n in range(3):
        status = f"更新 {n}"
        table = edited(
            FY2024,
            tmp_path / f"{n}.csv",
            lambda t, s=status: set_cell(t, "3", "令和６年度取組状況", s),
        )
        cid = candidate_id(upload(client, csrf, table, "dx-kpi-fy2024.csv"))
        assert (
            client.post(f"/candidates/{cid}/publish", data={"csrf_token": csrf}).status_code == 303
        )
        made.append(_live(place))
    kept = sorted(p.name for p in place.releases.iterdir() if p.name[0].isdigit())
    assert kept == sorted(made[-2:])  # the live one and the one before it
    pruned = [e["release"] for e in _audit(place) if e["action"] == "prune"]
    assert sorted(pruned) == sorted(made[:2])
    app.extensions["console"].previews.close()


def test_every_problem_is_linked_to_its_row(
    publisher: tuple[FlaskClient, str], tmp_path: Path, place: Place
) -> None:
    client, csrf = publisher

    def mistakes(table: list[list[str]]) -> None:
        set_cell(table, "3", "実績値", "12,3%")
        set_cell(table, "8", "部", "未来部")
        set_cell(table, "8", "評価", "たぶん")

    before = sorted(os.listdir(place.releases))
    cid = candidate_id(upload(client, csrf, edited(FY2024, tmp_path / "x.csv", mistakes)))
    page = client.get(f"/candidates/{cid}").get_data(as_text=True)
    assert "問題が 3 件あります（2 行）" in page
    rows = client.application.extensions["console"].candidates.get(cid)["problems"]
    for problem in rows:
        anchor = f'id="row-{problem["row"]}"'
        assert anchor in page and f'href="#row-{problem["row"]}"' in page
        section = page.split(anchor, 1)[1].split("</section>", 1)[0]
        assert str(escape(problem["problem"].split(" / ")[0])) in section
    assert "9行目（事業No 8）" in page and "列「課」" in page and "列「評価」" in page
    assert sorted(os.listdir(place.releases)) == before
