"""The Flask app configured with ``STORE_URL`` reads a real remote store end to end."""

from __future__ import annotations

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from server.stores.remote import RemoteStore

pytestmark = pytest.mark.remote
KPI = "/id/kpi/2"


def test_app_on_a_remote_store_answers_503_while_it_is_down(
    triplestore, fake_dist, publish_to
) -> None:
    from server.app import create_app

    publish_to(fake_dist)
    app = create_app(
        {"TESTING": True, "STORE_URL": triplestore.query_url, "DIST_DIR": str(fake_dist)}
    )
    assert isinstance(app.extensions["lod_store"], RemoteStore)
    client = app.test_client()
    assert client.get(KPI, headers={"Accept": "application/ld+json"}).status_code == 200

    triplestore.stop()
    down = client.get(KPI, headers={"Accept": "application/json"})
    assert down.status_code == 503
    body = down.get_json()
    assert (body["ok"], body["status"]) == (False, 503)  # the canonical error shape
    assert "cannot be reached" in body["error"] and triplestore.query_url not in body["error"]

    triplestore.start()
    assert client.get(KPI, headers={"Accept": "application/ld+json"}).status_code == 200


PREFIXES = "PREFIX dx: <https://data.pref.fukushima.lg.jp/dx/ontology#>\n"
SPARQL = [
    (
        "SELECT ?kpi ?n WHERE { ?kpi dx:kpiNumber ?n } ORDER BY ?n",
        "application/sparql-results+json",
    ),
    (
        "SELECT ?g (COUNT(*) AS ?t) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
        "text/csv",
    ),
    ("SELECT ?v WHERE { ?c dx:value ?v } ORDER BY ?v LIMIT 20", "application/sparql-results+xml"),
    ("ASK { ?k a dx:Kpi }", "application/sparql-results+json"),
    ("CONSTRUCT { ?k dx:kpiNumber ?n } WHERE { ?k dx:kpiNumber ?n }", "text/turtle"),
    ("CONSTRUCT WHERE { ?s a dx:Kpi }", "application/n-triples"),
    (
        "SELECT ?g (COUNT(*) AS ?t) FROM <https://data.pref.fukushima.lg.jp/dx/graph/catalog> "
        "WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } } GROUP BY ?g",
        "application/sparql-results+json",
    ),
    ("SELECT ?x WHERE { ?x ", "application/sparql-results+json"),  # 400
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "application/sparql-results+json"),
]

PAGES = [
    "/",
    "/kpis",
    "/projects",
    "/plan",
    "/plan?lang=en",
    "/id/kpi/2",
    "/id/kpi/3?lang=en",
    "/id/project/fy2023/8",
    "/id/org/somu-bu",
    "/id/kpi/2.ttl",
    "/id/project/fy2023/8.ttl",
    "/id/kpi/99999",
    "/catalog",
    "/catalog.ttl",
    "/graph/catalog",
]


def test_pages_and_sparql_answer_like_the_embedded_store(triplestore, dist_dir, publish_to) -> None:
    from server.app import create_app

    publish_to(dist_dir)
    local = create_app({"TESTING": True, "STORE_URL": "", "DIST_DIR": str(dist_dir)}).test_client()
    remote = create_app(
        {"TESTING": True, "STORE_URL": triplestore.query_url, "DIST_DIR": str(dist_dir)}
    ).test_client()
    for page in PAGES:
        want, got = local.get(page), remote.get(page)
        assert (got.status_code, got.mimetype) == (want.status_code, want.mimetype), page
        assert got.data == want.data, page
    for query, accept in SPARQL:
        ask = {"query": PREFIXES + query}
        want = local.get("/sparql", query_string=ask, headers={"Accept": accept})
        got = remote.get("/sparql", query_string=ask, headers={"Accept": accept})
        assert (got.status_code, got.mimetype) == (want.status_code, want.mimetype), query
        if want.status_code != 200:  # refused: the same status, in the store's own words
            continue
        if query.startswith("CONSTRUCT"):  # the same triples, in the store's order
            fmt = "turtle" if accept == "text/turtle" else "nt"
            assert isomorphic(
                Graph().parse(data=got.data, format=fmt), Graph().parse(data=want.data, format=fmt)
            ), query
        else:
            assert got.data == want.data, query
