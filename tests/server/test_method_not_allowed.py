"""A 405 names the methods the resource allows (RFC 9110 §15.5.6), on every route."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient


@pytest.mark.parametrize("path", ["/", "/kpis", "/catalog", "/download/dx-kpi.ttl", "/sparql"])
def test_405_carries_allow(client: FlaskClient, path: str) -> None:
    response = client.delete(path)
    assert response.status_code == 405
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert {"GET", "HEAD"} <= allowed and "DELETE" not in allowed
    assert response.get_json()["status"] == 405
