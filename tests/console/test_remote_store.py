"""With a remote store (``DX_PUBLISH_STORE``), a publish and a roll-back go through
``converter publish`` into a real ``oxigraph serve`` first; a store that refuses leaves the
live release as it was, and the failure is in the audit log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from console.app import create_console_app
from converter.publish import publish
from server.stores.remote import RemoteStore
from tests.console.conftest import Place
from tests.console.support import candidate_id, sign_in, upload
from tests.console.tables import FY2024
from tests.support.oxigraph_server import OxigraphServer
from tests.support.processes import free_port

pytestmark = [pytest.mark.remote]
#: KPI 3's FY2024 actual, as the store holds it once FY2024 is published.
ACTUAL = (
    "SELECT ?n WHERE { ?v <https://data.pref.fukushima.lg.jp/dx/ontology#notation> ?n "
    "FILTER(?v = <https://data.pref.fukushima.lg.jp/dx/id/value/fy2024/kpi-3/actual-fy2024>) }"
)


def _actual(store: OxigraphServer) -> list[str]:
    rows = RemoteStore(store.query_url, graphs_ttl=0).select(ACTUAL)
    return [str(row["n"]) for row in rows]


def test_publish_and_roll_back_go_through_converter_publish(place: Place, tmp_path: Path) -> None:
    with OxigraphServer(tmp_path / "store") as store:
        first = (place.releases / "current").resolve()
        publish(first, store_url=store.store_url, query_url=store.query_url)
        app = create_console_app(place.config(PUBLISH_STORE=store.store_url))
        client = app.test_client()
        csrf = sign_in(client, "alice")
        assert _actual(store) == []
        cid = candidate_id(upload(client, csrf, FY2024))
        answer = client.post(f"/candidates/{cid}/publish", data={"csrf_token": csrf})
        assert answer.status_code == 303
        assert _actual(store) == ["69,512"]
        first_id = first.parent.name
        back = client.post(
            f"/releases/{first_id}/rollback", data={"csrf_token": csrf, "reason": "戻す"}
        )
        assert back.status_code == 303
        assert _actual(store) == []
        app.extensions["console"].previews.close()


def test_a_store_that_refuses_leaves_the_live_release(place: Place) -> None:
    dead = f"http://127.0.0.1:{free_port()}/store"  # nobody listens there
    app = create_console_app(place.config(PUBLISH_STORE=dead))
    client = app.test_client()
    csrf = sign_in(client, "alice")
    live = (place.releases / "current").resolve()
    cid = candidate_id(upload(client, csrf, FY2024))
    answer = client.post(f"/candidates/{cid}/publish", data={"csrf_token": csrf})
    assert answer.status_code == 502
    assert "公開中の版は変わっていません" in answer.get_data(as_text=True)
    assert (place.releases / "current").resolve() == live
    audit = [json.loads(line) for line in (place.state / "audit.jsonl").read_text().splitlines()]
    assert (audit[-1]["action"], audit[-1]["result"]) == ("publish", "failed")
    # The release that could not go live is gone; the candidate may be published again.
    left = [p.name for p in place.releases.iterdir() if p.name[0].isdigit()]
    assert left == [live.parent.name]
    assert client.post(f"/candidates/{cid}/publish", data={"csrf_token": csrf}).status_code == 502
    app.extensions["console"].previews.close()
