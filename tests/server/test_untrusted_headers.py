"""Issue 26 (probe findings 2, 4, 5, 6, 12): no answer is built from what a client may forge.

- Absolute URLs (the dashboard's embed code, the JSON ``page``, Atom links) come from
  ``DX_PUBLIC_URL`` (by default the canonical base), never from ``Host`` or ``X-Forwarded-*``,
  so no reader can poison a cache with another host's URLs (finding 2), and behind a TLS
  proxy they keep the scheme and port (finding 6). Redirects name a path only.
- Every answer names in ``Vary`` each request header it depends on (finding 4).
- The language switch stays on the site whatever the path (finding 5).
- ``X-Forwarded-Proto`` is believed from the configured proxy only; the ``Server`` header
  names no product; the response cache's ``X-Cache`` is off; YASGUI's version is not served
  (finding 12).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask

from server.app import create_app
from server.stores.local import LocalStore
from tests.support.routes import sample_urls

FORGED = {
    "Host": "evil.example",
    "X-Forwarded-Host": "evil2.example",
    "X-Forwarded-Proto": "gopher",
    "X-Forwarded-Port": "6666",
    "X-Forwarded-Prefix": "/evil3",
    "Forwarded": "host=evil4.example;proto=gopher",
}


@pytest.fixture(scope="module")
def app(local_store: LocalStore, dist_dir: Path) -> Flask:
    return create_app({"TESTING": True, "DIST_DIR": str(dist_dir)}, store=local_store)


def _version(app: Flask) -> str:
    turtle = app.test_client().get("/ontology.ttl").get_data(as_text=True)
    found = re.search(r'owl:versionInfo "([^"]+)"', turtle)
    assert found, turtle[:500]
    return found.group(1)


def _everything(client, url: str, headers: dict[str, str]) -> str:  # type: ignore[no-untyped-def]
    """The answer's headers and body as text (the answer closed: files are streamed)."""
    with client.get(url, headers=headers) as answer:
        lines = [f"{k}: {v}" for k, v in answer.headers]
        return "\n".join([*lines, answer.get_data(as_text=True)])


def _variant(client, url: str, headers: dict[str, str]) -> tuple[object, ...]:  # type: ignore[no-untyped-def]
    """What tells two answers apart, and the header names of their Vary."""
    with client.get(url, headers=headers) as answer:
        vary = frozenset(v.lower() for v in answer.vary)
        return answer.status_code, answer.content_type, answer.get_data(), vary


def test_no_answer_names_a_forged_host(app: Flask) -> None:
    """Every GET route, in HTML and in its machine form, asked with forged host headers
    first (so that any cache would keep that answer), then plainly: no answer names the
    forged hosts, schemes, ports or prefixes."""
    client = app.test_client()
    urls = sample_urls(app, ontology_version=_version(app))
    assert len(urls) > 40
    for url in urls:
        for accept in ("text/html", "*/*"):
            for headers in ({**FORGED, "Accept": accept}, {"Accept": accept}):
                text = _everything(client, url, headers)
                assert "evil" not in text and "gopher" not in text and "6666" not in text, (
                    url,
                    headers,
                    [line for line in text.splitlines() if "evil" in line][:3],
                )


def test_absolute_urls_come_from_the_public_url(local_store: LocalStore, dist_dir: Path) -> None:
    """Behind a TLS proxy on another port, with a path prefix: scheme, port and prefix kept."""
    public = "https://opendata.example.jp:8443/dx/"
    app = create_app(
        {"TESTING": True, "DIST_DIR": str(dist_dir), "PUBLIC_URL": public}, store=local_store
    )
    client = app.test_client()
    page = client.get("/dashboard", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert f"{public}dashboard/kpi/3.svg" in page and f"{public}dashboard/kpi/3/embed" in page
    embed = client.get("/dashboard/kpi/3/embed").get_data(as_text=True)
    assert f'href="{public}dashboard#kpi-3"' in embed
    assert client.get("/dashboard/kpi/3.json").get_json()["page"] == f"{public}id/kpi/3"
    feed = client.get("/changes.atom").get_data(as_text=True)
    assert f'href="{public}changes.atom"' in feed and f'href="{public}changes"' in feed


def test_the_public_url_defaults_to_the_canonical_base(app: Flask) -> None:
    body = app.test_client().get("/dashboard/kpi/3.json", headers={"Host": "evil.example"})
    assert body.get_json()["page"] == "https://data.pref.fukushima.lg.jp/dx/id/kpi/3"


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_redirect_names_a_path_only(app: Flask, scheme: str) -> None:
    answer = app.test_client().get(
        "/download?x=1", headers={"Host": "evil.example:8443"}, base_url=f"{scheme}://evil.example"
    )
    assert answer.status_code == 308
    assert answer.headers["Location"] == "/download/?x=1"


@pytest.mark.parametrize("path", ["/%5Cevil.example/", "//evil.example/", "/\\evil.example/x"])
def test_the_language_switch_stays_on_the_site(app: Flask, path: str) -> None:
    page = app.test_client().get(path, headers={"Accept": "text/html"}).get_data(as_text=True)
    switches = re.findall(r'href="([^"]*lang=(?:en|ja)[^"]*)"', page)
    assert switches and all(link.startswith("?") for link in switches), switches


def test_forwarded_proto_is_believed_from_the_proxy_only(app: Flask) -> None:
    client = app.test_client(use_cookies=False)  # each request a first visit
    headers = {"Accept": "text/html", "X-Forwarded-Proto": "https"}
    by_proxy = client.get("/plan?lang=en", headers=headers)  # REMOTE_ADDR 127.0.0.1
    assert "Secure" in by_proxy.headers["Set-Cookie"]
    stranger = client.get(
        "/plan?lang=en", headers=headers, environ_base={"REMOTE_ADDR": "203.0.113.9"}
    )
    assert "Secure" not in stranger.headers["Set-Cookie"]


def test_no_proxy_is_believed_when_none_is_configured(local_store, dist_dir: Path) -> None:  # type: ignore[no-untyped-def]
    app = create_app(
        {"TESTING": True, "DIST_DIR": str(dist_dir), "FORWARDED_ALLOW_IPS": "none"},
        store=local_store,
    )
    answer = app.test_client(use_cookies=False).get(
        "/plan?lang=en", headers={"X-Forwarded-Proto": "https"}
    )
    assert "Secure" not in answer.headers["Set-Cookie"]


def test_nothing_tells_what_software_runs(app: Flask) -> None:
    client = app.test_client()
    for url in ("/", "/favicon.ico", "/no-such-page", "/sparql?query=ASK%7B%7D"):
        for _ in range(2):  # rendered, then from the response cache
            answer = client.get(url)
            assert answer.headers["Server"] == "dx-lod", url
            assert "X-Cache" not in answer.headers, url
    for asset in ("VERSION", "package.json"):
        for prefix in ("/sparql/assets", "/static"):
            assert client.get(f"{prefix}/vendor/yasgui/{asset}").status_code == 404


VARIANTS = {
    "Accept": ("text/html", "text/turtle", "application/json", "application/ld+json"),
    "Accept-Language": ("ja", "en"),
    "Cookie": ("lang=ja", "lang=en"),
}


@pytest.fixture(scope="module")
def uncached_app(local_store: LocalStore, dist_dir: Path) -> Flask:
    """The app without its response cache: with it, a route that forgets a header in its Vary
    answers the second variant from the first one's entry, and the two look the same."""
    config = {"TESTING": True, "DIST_DIR": str(dist_dir), "RESPONSE_CACHE_MB": 0}
    return create_app(config, store=local_store)


def test_every_answer_varies_on_the_headers_it_reads(uncached_app: Flask) -> None:
    """Each route asked with each value of each header (the others fixed): where the answers
    differ, the header is in their Vary, so no cache gives one reader's variant to another."""
    app = uncached_app
    client = app.test_client()
    missing = []
    for url in sample_urls(app, ontology_version=_version(app)):
        for header, values in VARIANTS.items():
            answers = [_variant(client, url, {header: value}) for value in values]
            if len({answer[:3] for answer in answers}) > 1:
                missing += [
                    f"{url} {header}={value}"
                    for value, answer in zip(values, answers, strict=True)
                    if header.lower() not in answer[3]  # type: ignore[operator]
                ]
    assert missing == [], missing
