"""HTTP caching: validators, freshness, Vary, and the in-process response cache.

Semantics, not timings: the same build gives the same ETag after a restart and a new build
a new one; repeated requests are answered without the store; no cached answer ever crosses
languages or media types.
"""

from __future__ import annotations

import shutil
import time
import tomllib
from pathlib import Path

import pytest
from flask import Flask
from rdflib import Graph

from server.app import create_app
from server.caching import ResponseCache
from server.stores.local import LocalStore

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["/", "/plan", "/kpis", "/id/kpi/2", "/id/kpi/2.ttl", "/catalog", "/.well-known/void"]
SPARQL = "/sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D"
#: (headers, what the answer must be) for one URL, asked in this order on one app.
VARIANTS = [
    ({"Accept": "text/html"}, ("text/html", 'lang="ja"')),
    ({"Accept": "text/html", "Accept-Language": "en"}, ("text/html", 'lang="en"')),
    ({"Accept": "text/turtle"}, ("text/turtle", "@prefix")),
    ({"Accept": "text/html", "Cookie": "lang=en"}, ("text/html", 'lang="en"')),
    ({"Accept": "application/ld+json"}, ("application/ld+json", '"@context"')),
    ({"Accept": "text/html"}, ("text/html", 'lang="ja"')),
]


class CountingStore:
    """The embedded store, counting the calls that reach it."""

    def __init__(self, inner: LocalStore) -> None:
        self.inner, self.calls = inner, 0

    def __getattr__(self, name: str) -> object:
        attr = getattr(self.inner, name)
        if name in ("ask", "construct", "select", "raw_query"):

            def counted(*args: object) -> object:
                self.calls += 1
                return attr(*args)

            return counted
        return attr


def _app(dist: Path, store: object | None = None, **config: object) -> Flask:
    """The app with ``X-Cache: hit`` on answers from the response cache (off by default)."""
    store = store if store is not None else LocalStore.from_build(dist)
    settings = {"TESTING": True, "DIST_DIR": str(dist), "RESPONSE_CACHE_HEADER": True, **config}
    return create_app(settings, store=store)


@pytest.mark.parametrize("path", [*PAGES, SPARQL, "/download/dx-kpi.ttl"])
def test_every_get_is_cacheable_and_revalidates(dist_dir: Path, path: str) -> None:
    client = _app(dist_dir).test_client()
    first = client.get(path)
    assert first.status_code == 200
    assert first.headers["ETag"].startswith('"') and first.headers["Last-Modified"]
    assert "public" in first.headers["Cache-Control"]
    assert "max-age=" in first.headers["Cache-Control"]
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert client.get(path, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.head(path, headers={"If-None-Match": etag}).status_code == 304


def test_max_age_has_a_documented_default_and_a_setting(dist_dir: Path) -> None:
    assert "max-age=300" in _app(dist_dir).test_client().get("/").headers["Cache-Control"]
    tuned = _app(dist_dir, CACHE_MAX_AGE=60).test_client()
    assert "max-age=60" in tuned.get("/").headers["Cache-Control"]


def test_the_etag_is_stable_across_restarts_of_the_same_build(dist_dir: Path) -> None:
    for path in ("/id/kpi/2", "/id/kpi/2.ttl", "/catalog", SPARQL):
        tags = {_app(dist_dir).test_client().get(path).headers["ETag"] for _ in range(2)}
        assert len(tags) == 1, path


def test_a_new_build_changes_the_etag(dist_dir: Path, tmp_path: Path) -> None:
    from converter.build import build

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    publication = data / "publication.toml"
    text = publication.read_text(encoding="utf-8")
    modified = tomllib.loads(text)["dataset"]["modified"]
    publication.write_text(
        text.replace(f"modified = {modified}", "modified = 2099-01-01"), encoding="utf-8"
    )
    build(publication, tmp_path / "dist")
    old, new = _app(dist_dir).test_client(), _app(tmp_path / "dist").test_client()
    for path in ("/id/kpi/2", "/id/kpi/2.ttl"):  # pages whose text did not change
        assert old.get(path).data == new.get(path).data, path
        assert old.get(path).headers["ETag"] != new.get(path).headers["ETag"], path


@pytest.mark.parametrize("path", ["/", "/id/kpi/2", "/catalog", "/id/project/fy2023/8"])
def test_no_cached_answer_crosses_languages_or_media_types(dist_dir: Path, path: str) -> None:
    cached = _app(dist_dir).test_client()
    for headers, (media_type, marker) in VARIANTS:
        fresh = _app(dist_dir, RESPONSE_CACHE_MB=0).test_client().get(path, headers=headers)
        if fresh.status_code == 406 or media_type not in fresh.content_type:
            continue  # a variant this URL does not offer (the landing page is HTML only)
        for _ in range(2):  # the second one comes from the cache
            answer = cached.get(path, headers=headers)
            assert answer.content_type == fresh.content_type, (headers, answer.content_type)
            assert answer.data == fresh.data, headers
            assert marker in answer.get_data(as_text=True), (headers, marker)
        assert answer.headers.get("X-Cache") == "hit", headers


def test_vary_names_what_the_answer_depends_on(dist_dir: Path) -> None:
    client = _app(dist_dir).test_client()
    page = client.get("/id/kpi/2", headers={"Accept": "text/html"})
    assert {"accept", "accept-language", "cookie"} <= {v.lower() for v in page.vary}
    dump = client.get("/download/dx-kpi.ttl", headers={"Accept-Encoding": "gzip"})
    assert "accept-encoding" in {v.lower() for v in dump.vary}


def test_repeated_requests_do_not_reach_the_store(dist_dir: Path) -> None:
    store = CountingStore(LocalStore.from_build(dist_dir))
    client = _app(dist_dir, store=store).test_client()
    for path in ("/", "/id/kpi/2", "/kpis", SPARQL):
        client.get(path)
        before = store.calls
        assert client.get(path).headers.get("X-Cache") == "hit"
        assert store.calls == before, path


def test_an_answer_that_sets_the_language_cookie_is_private_and_not_kept(dist_dir: Path) -> None:
    client = _app(dist_dir).test_client()
    first = client.get("/?lang=en")  # no cookie yet: this answer sets it
    assert "lang=en" in first.headers["Set-Cookie"]
    assert "private" in first.headers["Cache-Control"]
    assert "public" not in first.headers["Cache-Control"]
    second = client.get("/?lang=en")  # the cookie is sent now: a shareable answer
    assert "Set-Cookie" not in second.headers and "public" in second.headers["Cache-Control"]
    assert client.get("/?lang=en").headers.get("X-Cache") == "hit"
    client.delete_cookie("lang")
    again = client.get("/?lang=en")  # a new reader: rendered again, never the cached copy
    assert "X-Cache" not in again.headers and "lang=en" in again.headers["Set-Cookie"]
    assert "private" in again.headers["Cache-Control"]


def test_a_remote_store_keeps_answers_while_it_serves_the_same_build(
    dist_dir: Path, remote_store
) -> None:  # type: ignore[no-untyped-def]
    """The register names the build's digest: past DX_STORE_GRAPHS_TTL the register is read
    again, the digest is the same, and the answer is still the cached one (a publish that
    changes the digest drops it: tests/remote/test_remote_cache.py)."""
    client = _app(dist_dir, store=remote_store, STORE_GRAPHS_TTL=0.5).test_client()
    first = client.get("/id/kpi/2")
    assert client.get("/id/kpi/2").headers.get("X-Cache") == "hit"
    second = client.get("/id/kpi/2", headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 304
    time.sleep(0.6)  # waits past the 0.5 s TTL (a lower bound: load only lengthens it)
    again = client.get("/id/kpi/2")
    assert again.headers.get("X-Cache") == "hit" and again.data == first.data


def test_post_is_never_cached(dist_dir: Path) -> None:
    client = _app(dist_dir).test_client()
    for _ in range(2):
        answer = client.post("/sparql", data={"query": "ASK { ?s ?p ?o }"})
        assert answer.status_code == 200 and "X-Cache" not in answer.headers


def test_the_response_cache_is_bounded_in_bytes(dist_dir: Path) -> None:
    cache = ResponseCache(max_bytes=64 * 1024)
    app = _app(dist_dir, RESPONSE_CACHE_MB=0)
    for number in range(1, 20):
        path = f"/id/kpi/{number}"
        with app.test_request_context(path):
            answer = app.test_client().get(path)
            from flask import request

            cache.store(request, answer)
    assert 0 < len(cache) < 19
    assert sum(len(e.body) for e in cache._entries.values()) <= 64 * 1024


def test_the_turtle_variant_is_the_same_graph_as_the_fresh_one(dist_dir: Path) -> None:
    cached = _app(dist_dir).test_client()
    cached.get("/id/kpi/2.ttl")
    hit = cached.get("/id/kpi/2.ttl")
    assert hit.headers.get("X-Cache") == "hit"
    assert len(Graph().parse(data=hit.data, format="turtle")) > 10


@pytest.mark.parametrize("path", [*PAGES, SPARQL])
def test_the_fast_path_replays_exactly_what_flask_answered(dist_dir: Path, path: str) -> None:
    """A plain repeated GET is answered before Flask (server.caching.fast_path.FastPath) with the
    same status, headers and body as the rendered answer; HEAD gets the headers only."""
    client = _app(dist_dir).test_client()
    accept = "text/turtle" if path.endswith(".ttl") else "text/html"
    headers = {"Accept": "application/sparql-results+json" if path == SPARQL else accept}
    first = client.get(path, headers=headers)
    again = client.get(path, headers=headers)
    head = client.head(path, headers=headers)
    assert first.status_code == again.status_code == head.status_code == 200
    assert "X-Cache" not in first.headers and again.headers["X-Cache"] == "hit"
    assert again.data == first.data and head.data == b""
    per_exchange = {"Date", "X-Cache"}
    assert {k: v for k, v in again.headers if k not in per_exchange} == {
        k: v for k, v in first.headers if k not in per_exchange
    }
    assert head.headers["Content-Length"] == str(len(first.data))


def test_conditions_and_language_choices_skip_the_fast_path(dist_dir: Path) -> None:
    client = _app(dist_dir).test_client()
    etag = client.get("/kpis").headers["ETag"]
    client.get("/kpis")  # now cached
    assert client.get("/kpis", headers={"If-None-Match": etag}).status_code == 304
    chosen = client.get("/kpis?lang=en")
    assert 'lang="en"' in chosen.get_data(as_text=True) and "Set-Cookie" in chosen.headers


@pytest.mark.parametrize("path", ["/", "/id/kpi/2.ttl", SPARQL])
def test_a_fast_revalidation_is_the_304_flask_gives(dist_dir: Path, path: str) -> None:
    """If-None-Match on a cached answer: the fast path's 304 carries what Flask's does."""
    headers = {"Accept": "application/sparql-results+json" if path == SPARQL else "text/turtle"}
    fresh = _app(dist_dir).test_client()  # its first answer renders; the conditional is Flask's
    etag = fresh.get(path, headers=headers).headers["ETag"]
    cached = _app(dist_dir).test_client()
    cached.get(path, headers=headers)
    flask_304 = _app(dist_dir).test_client().get(path, headers={**headers, "If-None-Match": etag})
    for ask in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        fast = cached.get(path, headers={**headers, "If-None-Match": ask})
        assert fast.status_code == flask_304.status_code == 304 and fast.data == b""
        assert fast.headers["X-Cache"] == "hit"
        mine = {k for k, _ in fast.headers} - {"X-Cache"}
        assert mine == {k for k, _ in flask_304.headers}, ask
    assert cached.get(path, headers={**headers, "If-None-Match": '"other"'}).status_code == 200
