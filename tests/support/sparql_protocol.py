"""The three ways the SPARQL protocol sends a query, through a Flask test client."""

from __future__ import annotations

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

#: GET with ``query=``, POST of a form, POST of the query itself (application/sparql-query).
METHODS = ("GET", "POST form", "POST query")
JSON = {"Accept": "application/sparql-results+json"}


def send_query(client: FlaskClient, method: str, query: str) -> TestResponse:
    """``query`` to ``/sparql`` the way ``method`` (one of :data:`METHODS`) says."""
    if method == "GET":
        return client.get("/sparql", query_string={"query": query}, headers=JSON)
    if method == "POST form":
        return client.post("/sparql", data={"query": query}, headers=JSON)
    return client.post(
        "/sparql", data=query.encode(), content_type="application/sparql-query", headers=JSON
    )
