"""CORS checks that more than one test module makes."""

from __future__ import annotations

from collections.abc import Mapping

from flask.testing import FlaskClient
from werkzeug.test import TestResponse


def sparql_preflight(client: FlaskClient, origin: Mapping[str, str]) -> TestResponse:
    """A browser's preflight for a POST to ``/sparql`` from ``origin``: asserted allowed."""
    preflight = client.options(
        "/sparql",
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 204
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
    return preflight
