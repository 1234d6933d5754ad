"""The ?lang= choice is remembered on every kind of response, however the name is spelt."""

from __future__ import annotations

import pytest

from server.web.common.i18n import COOKIE


@pytest.mark.parametrize(
    "path",
    [
        "/kpis?lang=en",  # HTML
        "/id/kpi/2.ttl?lang=en",  # RDF
        "/sparql?query=ASK%7B%7D&lang=en",  # SPARQL results
        "/kpis?%6Cang=en",  # percent-encoded parameter name
    ],
)
def test_lang_choice_sets_cookie(client, path: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == 200
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith(f"{COOKIE}=en") for c in cookies), cookies


def test_no_cookie_without_choice(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/sparql?query=ASK%7B%7D")
    assert not response.headers.getlist("Set-Cookie")
    assert "Accept-Language" in client.get("/kpis").headers["Vary"]
