"""A pool of query worker processes with a time limit that really stops a query.

pyoxigraph has no query timeout and a running query cannot be interrupted from another thread,
so each query runs in a worker process (server/stores/worker.py) holding its own copy of the
store. When the limit passes, the process is killed (SIGKILL) and a fresh one is started in
the background; the other workers keep answering meanwhile.

All workers are started by one long-lived supervisor thread: the workers ask the kernel to kill
them when the thread that started them ends (PR_SET_PDEATHSIG), so no worker outlives its server.
"""

from __future__ import annotations

import json
import logging
import math
import os
import queue
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from server.errors import (
    QueryError,
    QueryOutOfMemory,
    QueryRefused,
    QueryStopped,
    QuerySyntaxError,
    ServerError,
    StoreError,
    StoreUnavailable,
    UnsupportedFormat,
)
from server.metrics.families import WORKERS_BUSY
from server.stores.results import Answer

log = logging.getLogger(__name__)
_ROOT = Path(__file__).resolve().parents[2]
#: The error a worker names (``"kind"`` in its answer) → the exception the pool raises.
WORKER_ERRORS: dict[str, type[ServerError]] = {
    "syntax": QuerySyntaxError,
    "refused": QueryRefused,
    "format": UnsupportedFormat,
    "query": QueryError,
    "internal": StoreError,
    "memory": QueryOutOfMemory,
}
MEMORY_STOPPED = (
    "the query was stopped: it needed too much memory / メモリ上限を超えたため中止しました"
)


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen[bytes]
    conn: Connection
    sandbox: str = "starting"
    #: Registered once: Connection.poll builds a new selector on every call.
    poller: select.poll = field(default_factory=select.poll)

    def __post_init__(self) -> None:
        self.poller.register(self.conn.fileno(), select.POLLIN)

    def ready(self, timeout: float) -> bool:
        """Whether the worker's answer (or its death) arrives within ``timeout`` seconds."""
        return bool(self.poller.poll(max(0, math.ceil(timeout * 1000))))


class QueryPool:
    """``size`` worker processes answering queries over the N-Quads file ``data_file``."""

    def __init__(
        self,
        data_file: Path,
        *,
        size: int,
        timeout: float,
        memory_mb: int = 0,
        startup_timeout: float = 120.0,
    ) -> None:
        self.data_file = data_file
        self.size = max(1, size)
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.startup_timeout = startup_timeout
        self.sandbox = "starting"  #: how the last worker isolated itself from the network
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._jobs: queue.Queue[_Worker | None] = queue.Queue()
        self._closed = threading.Event()
        self._live: set[_Worker] = set()  # every started worker, busy or idle
        self._lock = threading.Lock()
        self._supervisor = threading.Thread(target=self._supervise, name="sparql-pool", daemon=True)

    def start(self) -> None:
        """Start the workers and wait until the first one is ready.

        :raises StoreUnavailable: no worker came up within ``startup_timeout``.
        """
        self._supervisor.start()
        for _ in range(self.size):
            self._jobs.put(None)  # None: start one worker
        try:
            first = self._idle.get(timeout=self.startup_timeout)
        except queue.Empty as exc:
            raise StoreUnavailable("query workers did not start / 準備中です") from exc
        self._idle.put(first)

    def run(self, request: dict[str, Any], deadline: float | None = None) -> Answer:
        """Answer one query (see worker._answer for the request keys) by ``deadline``
        (``time.monotonic()``; default: the time limit from now).

        :raises QueryStopped: the time limit passed (waiting for a free worker counts), or
            the worker died at its memory cap.
        :raises QueryRefused: the worker's stack overflowed (a query too deeply nested).
        :raises QueryError: the worker's own verdict on a bad query (see WORKER_ERRORS).
        """
        deadline = time.monotonic() + self.timeout if deadline is None else deadline
        try:
            worker = self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty as exc:
            raise self._too_slow() from exc
        WORKERS_BUSY.inc()
        try:
            worker.conn.send_bytes(json.dumps(request).encode())
            if not worker.ready(deadline - time.monotonic()):
                self._replace(worker)
                raise self._too_slow()
            # One frame: the JSON header, a newline (JSON here has none of its own), the body.
            head, _, body = worker.conn.recv_bytes().partition(b"\n")
            header = json.loads(head)
        except (EOFError, OSError) as exc:
            raise self._lost(worker) from exc
        finally:
            WORKERS_BUSY.dec()
        self._idle.put(worker)
        if not header["ok"]:
            if "trace" in header:  # a bug in the worker: one line here, the traceback below
                log.error("query worker error: %s", header.get("summary", "?"))
                log.debug("query worker traceback:\n%s", header["trace"])
            raise WORKER_ERRORS.get(header["kind"], StoreError)(header["error"])
        return Answer(body, header["media_type"], header["truncated"])

    def close(self) -> None:
        """Stop every worker (idempotent)."""
        if self._closed.is_set():
            return
        self._closed.set()
        self._jobs.put(None)
        if self._supervisor.is_alive():
            self._supervisor.join(self.startup_timeout)  # let a worker being started finish
        with self._lock:
            workers, self._live = list(self._live), set()
        for worker in workers:
            _stop(worker)

    def _too_slow(self) -> QueryStopped:
        return QueryStopped(
            f"query stopped after the {self.timeout:g} s time limit / "
            f"制限時間（{self.timeout:g}秒）を超えたため中止しました"
        )

    def _lost(self, worker: _Worker) -> ServerError:
        """The error for a worker that died during a query, replaced; one log line says why.

        SIGSEGV is a stack overflow: Oxigraph parses and evaluates recursively, and a
        deeply nested query (``1+1+…`` ten thousand times) exhausts the stack; that is the
        query's to fix (400). Any other death is the memory cap: an allocation past it
        aborts the process (SIGABRT), or the kernel kills it.
        """
        status = _exit_status(worker.process)
        self._replace(worker)
        pid = worker.process.pid
        if status == -signal.SIGSEGV:
            log.warning("query worker %d overflowed its stack: query too deeply nested", pid)
            return QueryRefused(
                "query too deeply nested: the query engine ran out of stack; simplify the "
                "expression or pattern / クエリの入れ子が深すぎるため実行できません"
            )
        log.info("query worker %d died (%s): memory cap", pid, _describe(status))
        return QueryOutOfMemory(MEMORY_STOPPED)

    def _replace(self, worker: _Worker) -> None:
        worker.process.kill()  # now, so the CPU is free for the next query
        self._jobs.put(worker)

    def _supervise(self) -> None:
        while not self._closed.is_set():
            job = self._jobs.get()
            if self._closed.is_set():
                break
            if job is not None:
                self._forget(job)
            try:
                worker = self._spawn()
            except (OSError, EOFError, ValueError) as exc:
                log.error("query worker failed to start: %s", exc)
                time.sleep(1.0)
                self._jobs.put(None)
                continue
            with self._lock:
                if self._closed.is_set():
                    _stop(worker)
                    break
                self._live.add(worker)
            self._idle.put(worker)

    def _forget(self, worker: _Worker) -> None:
        with self._lock:
            self._live.discard(worker)
        _stop(worker)

    def _spawn(self) -> _Worker:
        parent, child = socket.socketpair()
        args = [
            sys.executable,
            "-m",
            "server.stores.worker",
            str(child.fileno()),
            str(self.data_file),
            str(os.getpid()),
            str(self.memory_mb),
        ]
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(_ROOT), os.environ.get("PYTHONPATH", "")) if p
            ),
            # A worker killed by its memory cap must not print Rust's backtrace into the
            # server's log; the pool logs one line for it (see _lost).
            "RUST_BACKTRACE": "0",
        }
        process = subprocess.Popen(
            args, pass_fds=[child.fileno()], env=env, stdin=subprocess.DEVNULL
        )
        child.close()
        worker = _Worker(process, Connection(parent.detach()))
        if not worker.ready(self.startup_timeout):
            _stop(worker)
            raise OSError("query worker did not report ready")
        ready = json.loads(worker.conn.recv_bytes())
        worker.sandbox = self.sandbox = ready["sandbox"]
        if ready["sandbox"] == "none":
            log.warning(
                "query workers could not leave the network; the guard is the only "
                "protection against SERVICE"
            )
        return worker


def _exit_status(process: subprocess.Popen[bytes]) -> int | None:
    """The worker's exit status (negative: the signal); None if it is still running."""
    try:
        return process.wait(timeout=2.0)  # its socket closed as it died: it is (nearly) gone
    except subprocess.TimeoutExpired:
        return None


def _describe(status: int | None) -> str:
    if status is None:
        return "still running"
    if status < 0:
        try:
            return signal.Signals(-status).name
        except ValueError:
            return f"signal {-status}"
    return f"exit {status}"


def _stop(worker: _Worker) -> None:
    worker.process.kill()
    worker.process.wait()
    worker.conn.close()  # closing twice is harmless
