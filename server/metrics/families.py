"""Every metric of the server: its name, labels and what it counts (one place, so the
names stay consistent and the README's list can be checked against it)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import Counter, Gauge, Histogram

from server.errors import (
    ApiError,
    QueryError,
    QueryOutOfMemory,
    QueryStopped,
    StoreBusy,
    StoreTimeout,
)

#: Seconds; finer below 0.1 s, where the site's pages are, up to the /sparql time limit.
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
#: The route of a request no rule matched (404s): one label, however many URLs are tried.
UNMATCHED = "unmatched"
#: In the WSGI environ: the URL rule of the request (set where Flask does not see it: the
#: response cache's fast path).
ROUTE_KEY = "dx.route"
#: Methods counted by name; any other is ``other`` (a client chooses the method).
METHODS = frozenset({"GET", "HEAD", "POST", "OPTIONS"})

REQUESTS = Counter(
    "dx_http_requests",
    "HTTP requests answered, by route (the URL rule), method and status",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "dx_http_request_duration_seconds",
    "Seconds from a request's arrival in the app to its answer, by route and method",
    ["route", "method"],
    buckets=LATENCY_BUCKETS,
)
CACHE = Counter(
    "dx_response_cache_lookups",
    "GET and HEAD requests looked up in the response cache: hit or miss",
    ["result"],
)
CACHE_BYTES = Gauge(
    "dx_response_cache_bytes",
    "Bytes the response cache holds, as counted against DX_RESPONSE_CACHE_MB",
    multiprocess_mode="livesum",
)
SPARQL = Counter(
    "dx_sparql_queries",
    "Queries to /sparql by outcome: answered, timed_out, refused (no free query slot), "
    "out_of_memory, invalid (the client's error), failed (the store's)",
    ["outcome"],
)
SLOTS = Gauge(
    "dx_sparql_query_slots",
    "Queries /sparql admits at once (DX_SPARQL_CONCURRENCY per server process)",
    multiprocess_mode="livesum",
)
SLOTS_IN_USE = Gauge(
    "dx_sparql_query_slots_in_use",
    "Queries admitted and not yet answered (waiting for a query worker included)",
    multiprocess_mode="livesum",
)
WORKERS_BUSY = Gauge(
    "dx_sparql_query_workers_busy",
    "Query worker processes running a query (embedded store)",
    multiprocess_mode="livesum",
)
STORE_CALLS = Counter(
    "dx_store_requests",
    "Requests to the store (one per round trip), by store kind and operation",
    ["store", "operation"],
)
STORE_ERRORS = Counter(
    "dx_store_errors",
    "Store requests that failed, by store kind and error",
    ["store", "error"],
)


STORE_LATENCY = Histogram(
    "dx_store_request_duration_seconds",
    "Seconds per request to the store, by store kind",
    ["store"],
    buckets=LATENCY_BUCKETS,
)


def sparql_outcome(exc: BaseException | None) -> str:
    """The outcome label of a /sparql request that raised ``exc`` (None: answered)."""
    if exc is None:
        return "answered"
    if isinstance(exc, StoreBusy):
        return "refused"
    if isinstance(exc, QueryOutOfMemory):
        return "out_of_memory"
    if isinstance(exc, QueryStopped | StoreTimeout):
        return "timed_out"
    if isinstance(exc, QueryError | ApiError):
        return "invalid"
    return "failed"


@contextmanager
def store_request(store: str, operation: str) -> Iterator[None]:
    """Count one request to the store (``store``: embedded or remote), its time, and its
    error if it raises one (the label is the error's class: a fixed set)."""
    STORE_CALLS.labels(store, operation).inc()
    started = time.perf_counter()
    try:
        yield
    except Exception as exc:
        STORE_ERRORS.labels(store, type(exc).__name__).inc()
        raise
    finally:
        STORE_LATENCY.labels(store).observe(time.perf_counter() - started)
