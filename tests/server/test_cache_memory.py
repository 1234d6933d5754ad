"""Issue 26, probe finding 3: the response cache stays within its memory bound.

The probe sent unique 60 KB query strings to ``/favicon.ico``: 8,000 requests added 809 MB
to two processes, never freed (a key held the raw URL twice, and the Vary index was never
pruned). Here the requests go through the app's whole WSGI stack (the fast path included)
with ``DX_RESPONSE_CACHE_MB=1``, and the memory the cache really holds (every object it
references, measured with ``sys.getsizeof``) stays within its budget, which counts keys and
headers too. tests/harden/test_cache_memory.py sends 10,000 of each to the real server and
reads its resident memory.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from flask import Flask

from server.app import create_app
from server.caching.response_cache import MAX_KEY_URL, ResponseCache
from server.stores.local import LocalStore

BUDGET = 1024 * 1024
#: The two tables (entries, Vary index) themselves, beyond what the budget counts per entry.
TABLES = 256 * 1024


@pytest.fixture
def app(local_store: LocalStore, dist_dir: Path) -> Flask:
    return create_app(
        {"TESTING": True, "DIST_DIR": str(dist_dir), "RESPONSE_CACHE_MB": BUDGET // 2**20},
        store=local_store,
    )


def cache_of(app: Flask) -> ResponseCache:
    """The response cache the app's WSGI stack holds (each middleware keeps ``app``)."""
    wsgi: object = app.wsgi_app
    while wsgi is not None:
        found = getattr(wsgi, "cache", None)
        if isinstance(found, ResponseCache):
            return found
        wsgi = getattr(wsgi, "app", None)
    raise AssertionError("no response cache in the WSGI stack")


def held(cache: ResponseCache) -> int:
    """Bytes of every object the cache's two tables reference (shared objects once)."""
    seen: set[int] = set()
    total = 0
    todo: list[object] = [cache._entries, cache._vary]  # noqa: SLF001 - measured from outside
    while todo:
        item = todo.pop()
        if id(item) in seen or isinstance(item, int | float | type(None)):
            continue
        seen.add(id(item))
        total += sys.getsizeof(item)
        if isinstance(item, dict):
            todo += [*item.keys(), *item.values()]
        elif isinstance(item, tuple | list):
            todo += list(item)
        elif hasattr(item, "__dataclass_fields__"):
            todo += [getattr(item, name) for name in item.__dataclass_fields__]  # type: ignore[attr-defined]
    return total


def test_made_up_query_strings_are_not_kept(app: Flask) -> None:
    """/favicon.ico takes no parameters: its answers to URLs with any are not cached."""
    client = app.test_client()
    padding = "x" * 60_000
    for i in range(1_000):
        assert client.get(f"/favicon.ico?{i}={padding}").status_code == 200
    cache = cache_of(app)
    assert len(cache) == cache.urls == 0
    assert client.get("/favicon.ico").status_code == 200  # no query: kept
    assert len(cache) == 1


def test_unique_known_parameters_stay_within_the_budget(app: Flask) -> None:
    """/search.json?q=… takes ``q``: each answer is cached, within the byte budget (keys
    and headers counted), and the Vary index shrinks with the entries."""
    client = app.test_client()
    for i in range(3_000):
        assert client.get(f"/search.json?q=probe{i}-{'y' * 1500}").status_code == 200
    cache = cache_of(app)
    assert 0 < len(cache) < 3_000 and cache.urls == len(cache)
    assert cache.size <= BUDGET
    assert held(cache) <= BUDGET + TABLES, (held(cache), len(cache))


def test_the_entry_count_is_bounded_too(local_store: LocalStore, dist_dir: Path) -> None:
    app = create_app(
        {"TESTING": True, "DIST_DIR": str(dist_dir), "RESPONSE_CACHE_ENTRIES": 100},
        store=local_store,
    )
    client = app.test_client()
    for i in range(300):
        assert client.get(f"/search.json?q=count{i}").status_code == 200
    cache = cache_of(app)
    assert len(cache) == cache.urls == 100


def test_long_urls_and_headers_are_not_keys(app: Flask) -> None:
    client = app.test_client()
    client.get(f"/search.json?q={'z' * MAX_KEY_URL}")
    client.get("/kpis", headers={"Accept-Language": "ja," + "x" * 2000})
    client.get("/kpis", headers={"Cookie": "lang=ja; analytics=" + "w" * 5000})
    cache = cache_of(app)
    # The long URL and the long Accept-Language were not kept; the page asked with a long
    # cookie was kept under its language cookie only (the one cookie answers depend on).
    assert len(cache) == 1
    assert client.get("/kpis", headers={"Cookie": "lang=ja; other=1"}).status_code == 200
    assert len(cache) == 1


def test_a_path_with_a_question_mark_is_its_own_key(app: Flask) -> None:
    """``/id/kpi/2%3Flang=en`` (a path) and ``/id/kpi/2?lang=en`` (a query) are two URLs,
    once one key when path and query were joined with "?"."""
    client = app.test_client()
    first = client.get("/id/kpi/2%3Flang=en", headers={"Accept": "text/turtle"})
    second = client.get("/id/kpi/2?lang=en", headers={"Accept": "text/turtle"})
    assert first.status_code == 404 and second.status_code == 200
