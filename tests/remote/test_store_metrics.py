"""Store round trips and store errors in the metrics, over a real remote store."""

from __future__ import annotations

from pathlib import Path

from prometheus_client import REGISTRY

from server.app import create_app
from server.stores.remote import RemoteStore


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_each_round_trip_and_each_failure_counts(triplestore, dist_dir: Path) -> None:  # type: ignore[no-untyped-def]
    triplestore.publish(dist_dir)
    store = RemoteStore(triplestore.query_url, timeout=5)
    client = create_app({"TESTING": True, "DIST_DIR": str(dist_dir)}, store=store).test_client()
    client.get("/__heartbeat__")  # the register is read once before counting

    selects = sample("dx_store_requests_total", store="remote", operation="select")
    timed = sample("dx_store_request_duration_seconds_count", store="remote")
    assert client.get("/id/kpi/2.ttl").status_code == 200
    assert client.get("/kpis").status_code == 200  # one SELECT per page (issue 22)
    assert sample("dx_store_requests_total", store="remote", operation="select") >= selects + 1
    assert sample("dx_store_request_duration_seconds_count", store="remote") >= timed + 2

    failed = sample("dx_store_errors_total", store="remote", error="StoreUnavailable")
    triplestore.stop()
    try:
        assert client.get("/__heartbeat__").status_code == 503
    finally:
        triplestore.start()
    assert sample("dx_store_errors_total", store="remote", error="StoreUnavailable") == failed + 1
