"""How an accepted ``/sparql`` query is run; each store picks its executor (``Store.executor``).

- :class:`PoolExecutor` (embedded store): worker processes, each with its own copy of the
  data, killed at the time limit (pyoxigraph cannot interrupt a query any other way).
- :class:`ForwardingExecutor` (remote store): ``raw_query`` in a thread, abandoned at the time
  limit (the remote store's own timeout ends the request).

Both cut answers at the row limit with the same serializers; :class:`AdmittingExecutor`
bounds how many queries a process runs or queues at once, and :class:`CachingExecutor`
keeps recent answers of a store whose data never changes while the server runs.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from server.errors import QueryRefused, StoreBusy, StoreError, StoreTimeout
from server.metrics.families import SLOTS, SLOTS_IN_USE
from server.stores.base import Executor, QueryLimits, QueryRequest
from server.stores.pool import QueryPool
from server.stores.remote_errors import STORE_FAILED
from server.stores.results import Answer, serialize_answer, serialize_triples

if TYPE_CHECKING:
    from server.stores.base import Store


class PoolExecutor:
    """Runs queries on a :class:`QueryPool` started on first use in each server process."""

    def __init__(self, store: ox.Store, limits: QueryLimits) -> None:
        self._store = store
        self._limits = limits
        self._pool: QueryPool | None = None
        self._pid = 0
        self._lock = threading.Lock()
        self._finalizer: Callable[[], object] | None = None

    @property
    def pool(self) -> QueryPool:
        # gunicorn --preload forks after create_app: a pool is only valid in its own process.
        with self._lock:
            if self._pool is None or self._pid != os.getpid():
                directory = tempfile.mkdtemp(prefix="sparql-")
                data = Path(directory) / "data.nq"
                self._store.dump(str(data), format=ox.RdfFormat.N_QUADS)
                s = self._limits
                pool = QueryPool(
                    data, size=s.workers, timeout=s.timeout, memory_mb=s.worker_memory_mb
                )
                pool.start()
                self._pool, self._pid = pool, os.getpid()
                # Workers stop when the app is dropped or the interpreter exits, even if
                # nobody calls close() (tests that build many apps, gunicorn reloads).
                self._finalizer = weakref.finalize(self, _stop_pool, pool, directory, os.getpid())
            return self._pool

    def execute(self, request: QueryRequest) -> Answer:
        dataset = request.info.from_graphs or request.info.from_named
        return self.pool.run(
            {
                "query": request.query,
                "media_type": request.media_type,
                "max_rows": self._limits.max_rows,
                "base_iri": self._limits.base_iri,
                "prefixes": request.info.prefixes,
                # The union of all graphs is the default graph, unless the query or the
                # protocol names a dataset (then the standard semantics apply).
                "union": not dataset,
                "default_graphs": request.default_graphs,
                "named_graphs": request.named_graphs,
            },
            request.deadline,
        )

    def close(self) -> None:
        with self._lock:
            if self._finalizer is not None:
                self._finalizer()
            self._pool = self._finalizer = None


def _stop_pool(pool: QueryPool, directory: str, owner: int) -> None:
    if os.getpid() == owner:  # a forked copy must not kill its parent's workers
        pool.close()
        shutil.rmtree(directory, ignore_errors=True)


class ForwardingExecutor:
    """Runs queries through ``store.raw_query`` (any Store), bounded by the time limit."""

    def __init__(self, store: Store, limits: QueryLimits) -> None:
        self._store = store
        self._limits = limits
        self._threads = ThreadPoolExecutor(
            max_workers=4 * max(1, limits.workers), thread_name_prefix="sparql-remote"
        )

    def execute(self, request: QueryRequest) -> Answer:
        if request.has_protocol_dataset:
            raise QueryRefused(
                "default-graph-uri / named-graph-uri are not supported by this "
                "endpoint's store; use FROM / FROM NAMED in the query"
            )
        accept = (
            "application/n-triples"
            if request.info.returns_graph
            else "application/sparql-results+json"
        )
        future = self._threads.submit(self._store.raw_query, request.query, accept)
        try:
            body, _ = future.result(timeout=request.remaining(self._limits.timeout))
        except FutureTimeout as exc:
            # The store, not the query, is late: a gateway timeout (the store's own timeout
            # ends the abandoned request).
            raise StoreTimeout(
                f"the store did not answer within the {self._limits.timeout:g} s time "
                "limit / ストアが制限時間内に応答しませんでした"
            ) from exc
        limit = self._limits.max_rows
        try:
            if request.info.returns_graph:
                triples = [q.triple for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]
                return serialize_triples(triples, request.media_type, limit, request.info.prefixes)
            result = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
            return serialize_answer(result, request.media_type, limit)
        except SyntaxError as exc:
            detail = f"the store's answer could not be read: {exc}"
            raise StoreError(STORE_FAILED, detail=detail) from exc

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)


class AdmittingExecutor:
    """Lets at most ``limits.concurrency`` queries of this process in at once; more: 503.

    A query waiting for a worker holds a request thread; with more threads than query
    slots (``DX_THREADS`` > ``DX_SPARQL_CONCURRENCY``) pages always find a free one.
    """

    def __init__(self, inner: Executor, limits: QueryLimits) -> None:
        self._inner = inner
        self._slots = threading.BoundedSemaphore(max(1, limits.concurrency))
        SLOTS.set(max(1, limits.concurrency))

    def execute(self, request: QueryRequest) -> Answer:
        if not self._slots.acquire(blocking=False):
            raise StoreBusy(
                "too many queries at once; try again in a second / "
                "実行中のクエリが多すぎます。少し待ってから再度お試しください"
            )
        SLOTS_IN_USE.inc()
        try:
            return self._inner.execute(request)
        finally:
            SLOTS_IN_USE.dec()
            self._slots.release()

    def close(self) -> None:
        self._inner.close()


class CachingExecutor:
    """Keeps the last ``size`` answers of an executor (small ones only).

    ``version`` (a remote store's): what the data is now, asked before each query. Answers
    are kept while it stays the same and dropped when it changes; while it is None (a
    store that states no build digest) nothing is kept.
    """

    MAX_ENTRY_BYTES = 256 * 1024

    def __init__(
        self, inner: Executor, size: int, version: Callable[[], str | None] | None = None
    ) -> None:
        self._inner = inner
        self._size = size
        self._version = version
        self._seen: str | None = None  #: the version the kept answers belong to
        self._answers: OrderedDict[tuple[object, ...], Answer] = OrderedDict()
        self._lock = threading.Lock()

    def execute(self, request: QueryRequest) -> Answer:
        if request.info.volatile:  # NOW(), RAND()…: a kept answer would be a wrong one
            return self._inner.execute(request)
        version = self._version() if self._version is not None else ""
        if version is None:
            return self._inner.execute(request)
        key = (request.query, request.media_type, request.default_graphs, request.named_graphs)
        with self._lock:
            if version != self._seen:
                self._answers.clear()
                self._seen = version
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
                return answer
        answer = self._inner.execute(request)
        if len(answer.body) <= self.MAX_ENTRY_BYTES:
            with self._lock:
                if version != self._seen:
                    return answer  # the data changed meanwhile: not for the new version's table
                self._answers[key] = answer
                while len(self._answers) > self._size:
                    self._answers.popitem(last=False)
        return answer

    def close(self) -> None:
        self._inner.close()
