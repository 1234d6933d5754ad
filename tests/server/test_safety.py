"""Data text is escaped, pages carry CSP/nosniff, client errors are readable 4xx."""

from __future__ import annotations

import pytest

EVIL = "/id/project/fy2023/666"


@pytest.mark.parametrize(
    "path", [EVIL, "/id/kpi/2?lang=en", "/plan", "/projects", "/kpis", "/id/org/somu-bu"]
)
def test_script_in_data_renders_inert(evil_client, path: str) -> None:  # type: ignore[no-untyped-def]
    response = evil_client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<script>" not in html and "<img src=x" not in html
    assert 'href="javascript:' not in html
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_escaped_text_is_still_shown(evil_client) -> None:  # type: ignore[no-untyped-def]
    html = evil_client.get(EVIL).get_data(as_text=True)
    assert "&lt;script&gt;alert(" in html


def test_security_headers(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/")
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert client.get("/download/dx-kpi.ttl").headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("GET", "/nope", {}),
        ("GET", "/id/", {}),
        ("GET", "/id/kpi/2", {"Accept": "video/mp4"}),
        ("GET", "/catalog.exe", {}),
        ("POST", "/id/kpi/2", {}),
        ("DELETE", "/download/dx-kpi.ttl", {}),
        ("GET", "/id/%ff%fe", {}),
        ("GET", "/id/kpi/2?lang=<script>", {}),
        ("GET", "/id/kpi/" + "9" * 5000, {}),
        ("GET", "/.well-known/void", {"Accept": "text/turtle;q=foo"}),
    ],
)
def test_client_errors_are_readable_4xx(client, method: str, path: str, headers) -> None:  # type: ignore[no-untyped-def]
    response = client.open(path, method=method, headers={"Accept": "application/json", **headers})
    assert response.status_code < 500, response.data[:300]
    if response.status_code >= 400:
        body = response.get_json()
        assert body["ok"] is False and body["status"] == response.status_code and body["error"]
        assert "Traceback" not in response.get_data(as_text=True)
