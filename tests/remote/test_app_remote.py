"""The Flask app configured with ``STORE_URL`` reads a real remote store end to end."""

from __future__ import annotations

import pytest

from server.stores.remote import RemoteStore

pytestmark = pytest.mark.remote
KPI = "/id/kpi/2"


def test_app_on_a_remote_store_answers_503_while_it_is_down(
    oxigraph, fake_dist, publish_to
) -> None:
    from server.app import create_app

    publish_to(fake_dist)
    app = create_app({"TESTING": True, "STORE_URL": oxigraph.query_url, "DIST_DIR": str(fake_dist)})
    assert isinstance(app.extensions["lod_store"], RemoteStore)
    client = app.test_client()
    assert client.get(KPI, headers={"Accept": "application/ld+json"}).status_code == 200

    oxigraph.stop()
    down = client.get(KPI, headers={"Accept": "application/json"})
    assert down.status_code == 503
    body = down.get_json()
    assert (body["ok"], body["status"]) == (False, 503)  # the canonical error shape
    assert body["error"].startswith(f"SPARQL store {oxigraph.query_url} is unreachable")

    oxigraph.start()
    assert client.get(KPI, headers={"Accept": "application/ld+json"}).status_code == 200
