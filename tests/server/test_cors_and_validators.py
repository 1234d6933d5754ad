"""Issue 9: CORS on every public answer, ETag / Last-Modified and 304 on computed answers."""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from tests.support.cors import sparql_preflight

ORIGIN = {"Origin": "https://x.example"}
EXPOSED = ("ETag", "Last-Modified", "Content-Location", "Link")

#: One URL of each route family: pages, resources, catalog, VoID, ontology, dumps, graphs, SPARQL.
PUBLIC_URLS = [
    "/",
    "/plan",
    "/kpis",
    "/projects",
    "/id/kpi/2",
    "/id/kpi/2.ttl",
    "/id/project/fy2023/8",
    "/catalog",
    "/catalog.ttl",
    "/.well-known/void",
    "/ontology",
    "/download/dx-kpi.ttl",
    "/download/context.jsonld",
    "/graph/fy2023",
    "/sparql?query=ASK{}",
]
#: Computed answers (not files of the build) that get their ETag from the body.
COMPUTED_URLS = [u for u in PUBLIC_URLS if not u.startswith(("/download/", "/sparql"))]


def exposed(response) -> set[str]:  # type: ignore[no-untyped-def]
    value = response.headers.get("Access-Control-Expose-Headers", "")
    return {name.strip().lower() for name in value.split(",") if name.strip()}


def assert_cors(response) -> None:  # type: ignore[no-untyped-def]
    assert response.headers.get("Access-Control-Allow-Origin") == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert {name.lower() for name in EXPOSED} <= exposed(response)


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_every_public_answer_carries_cors(client, method: str) -> None:  # type: ignore[no-untyped-def]
    for url in PUBLIC_URLS:
        response = client.open(url, method=method, headers=ORIGIN)
        assert response.status_code == 200, url
        assert_cors(response)


def test_sparql_keeps_its_own_cors(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/sparql?query=ASK{}", headers=ORIGIN)
    assert {"x-sparql-maxrows", "x-sparql-truncated"} <= exposed(response)
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert_cors(sparql_preflight(client, ORIGIN))


def test_error_answers_carry_cors(client) -> None:  # type: ignore[no-untyped-def]
    for response, status in (
        (client.get("/id/kpi/99999", headers=ORIGIN), 404),
        (client.get("/no/such/page", headers=ORIGIN), 404),
        (client.get("/download/nothing.ttl", headers=ORIGIN), 404),
        (client.get("/id/kpi/2", headers={**ORIGIN, "Accept": "application/x-nothing"}), 406),
    ):
        assert response.status_code == status
        assert_cors(response)


@pytest.mark.parametrize("url", ["/id/kpi/2", "/id/kpi/2.ttl", "/catalog", "/download/dx-kpi.ttl"])
def test_preflight_on_a_resource(client, url: str) -> None:  # type: ignore[no-untyped-def]
    response = client.options(
        url,
        headers={
            **ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert response.status_code == 204
    assert response.data == b""
    methods = {m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")}
    assert methods == {"GET", "HEAD", "OPTIONS"}
    assert "If-None-Match" in response.headers["Access-Control-Allow-Headers"]
    assert_cors(response)


def test_computed_answers_have_validators(client) -> None:  # type: ignore[no-untyped-def]
    for url in COMPUTED_URLS:
        response = client.get(url)
        assert response.status_code == 200, url
        etag, weak = response.get_etag()
        assert etag and not weak, url
        assert response.last_modified is not None, url


def test_etag_differs_by_format_and_revalidates(client) -> None:  # type: ignore[no-untyped-def]
    html, turtle = client.get("/id/kpi/2"), client.get("/id/kpi/2.ttl")
    assert html.headers["ETag"] != turtle.headers["ETag"]
    assert "Accept" in html.headers["Vary"]

    same = client.get("/id/kpi/2", headers={"If-None-Match": html.headers["ETag"]})
    assert same.status_code == 304
    assert same.data == b""
    assert same.headers["ETag"] == html.headers["ETag"]
    assert "Accept" in same.headers["Vary"]
    assert same.headers.get("Access-Control-Allow-Origin") == "*"

    other = client.get("/id/kpi/2", headers={"If-None-Match": '"not-this-one"'})
    assert other.status_code == 200 and other.data == html.data

    since = client.get("/id/kpi/2", headers={"If-Modified-Since": html.headers["Last-Modified"]})
    assert since.status_code == 304 and since.data == b""

    head = client.head("/id/kpi/2.ttl", headers={"If-None-Match": turtle.headers["ETag"]})
    assert head.status_code == 304


def test_last_modified_is_the_builds_time(client, dist_dir: Path) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/id/kpi/2")
    built = (dist_dir / "manifest.json").stat().st_mtime
    assert abs(parsedate_to_datetime(response.headers["Last-Modified"]).timestamp() - built) < 1


def test_etag_is_the_same_after_a_restart(dist_dir: Path) -> None:
    from server.app import create_app
    from server.stores.local import LocalStore

    tags = []
    for _ in range(2):  # two apps, each with its own store loaded from the same build
        app = create_app(
            {"TESTING": True, "DIST_DIR": str(dist_dir)}, store=LocalStore.from_build(dist_dir)
        )
        try:
            client = app.test_client()
            tags.append(
                (
                    client.get("/id/kpi/2").headers["ETag"],
                    client.get("/catalog.ttl").headers["ETag"],
                    client.get("/id/kpi/2").headers["Last-Modified"],
                )
            )
        finally:
            app.blueprints["sparql"].close()  # type: ignore[attr-defined]
    assert tags[0] == tags[1]


def test_downloads_keep_their_own_etag(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/download/dx-kpi.ttl", headers={"Accept-Encoding": "identity"})
    assert len(response.get_etag()[0]) == 64  # the manifest's sha256, not a body hash
    assert response.headers["Cache-Control"] == "public, max-age=3600"
