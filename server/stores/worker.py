"""A query worker process: one pyoxigraph store, one query at a time.

pyoxigraph cannot interrupt a running query, so the server runs queries in processes like
this one and kills the process when the time limit passes (server/stores/pool.py). The worker
also locks itself in: it loads its data, then leaves the network (a fresh network namespace
with no interfaces, where the kernel allows it) and caps its memory, so even a query that
slipped past the guard could neither reach another host nor exhaust the server's memory.

Run as ``python -m server.stores.worker FD DATA_FILE PARENT_PID MEMORY_MB``; FD is the
worker's end of a socket pair speaking multiprocessing's length-prefixed frames: a JSON
request in, one answer out (its JSON header, a newline, the body).
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import sys
import traceback
from multiprocessing.connection import Connection
from typing import Any

import pyoxigraph as ox

from server.stores.results import Answer, serialize_answer

_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000
_PR_SET_PDEATHSIG = 1


def main(argv: list[str]) -> int:
    fd, data_file, parent_pid, memory_mb = int(argv[0]), argv[1], int(argv[2]), int(argv[3])
    libc = ctypes.CDLL(None, use_errno=True)
    # Die with the thread that started us, so a killed server leaves no runaway query behind.
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:
        return 1
    conn = Connection(fd)
    store = ox.Store()
    store.bulk_load(path=data_file, format=ox.RdfFormat.N_QUADS)
    sandbox = _leave_network(libc)
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    conn.send_bytes(json.dumps({"ready": True, "sandbox": sandbox}).encode())
    _quiet()
    while True:
        try:
            request = json.loads(conn.recv_bytes())
        except EOFError:
            return 0  # the server closed the pool
        header, body = _guarded_answer(store, request)
        # One frame, split by the pool at the first newline (json.dumps writes none).
        conn.send_bytes(json.dumps(header).encode() + b"\n" + body)


def _quiet() -> None:
    """Send the rest of this process's stderr nowhere.

    What a dying worker prints (Rust's "memory allocation failed", a crash report) would be
    noise in the server's log; the pool logs one line per stopped query instead, and errors
    travel in the answer. Startup errors, printed before this, stay visible.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)


def _guarded_answer(store: ox.Store, request: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    try:
        return _answer(store, request)
    except MemoryError:  # Python's own allocations past the cap; Rust's abort the process
        return _failure(
            "memory",
            "the query was stopped: it needed too much memory / メモリ上限を超えたため中止しました",
        )
    except Exception as exc:  # noqa: BLE001 - a bug must cost one answer (a 502), not the worker
        # The client learns only that it failed; the pool logs what (stderr is closed).
        header, body = _failure("internal", "internal error / 内部エラー")
        return {**header, "trace": traceback.format_exc(), "summary": repr(exc)}, body


def _leave_network(libc: ctypes.CDLL) -> str:
    """Enter an empty network namespace; say which way worked ("none" if the kernel refused)."""
    if libc.unshare(_CLONE_NEWNET) == 0:
        return "netns"
    if libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) == 0:
        return "userns+netns"
    return "none"


def _answer(store: ox.Store, request: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    try:
        options = _dataset_options(request)
    except ValueError as exc:
        return _failure("refused", f"bad graph IRI: {exc}")
    try:
        result = store.query(request["query"], **options)
        answer = serialize_answer(
            result, request["media_type"], request["max_rows"], request.get("prefixes")
        )
    except SyntaxError as exc:
        return _failure("syntax", f"syntax error: {exc}")
    except (ValueError, TypeError) as exc:
        return _failure("format", f"cannot answer in {request['media_type']}: {exc}")
    except OSError as exc:
        # The store is in memory, so an I/O error can only come from the query itself
        # (a SERVICE call that got this far fails here: the process has no network).
        return _failure("query", f"query failed: {exc}")
    except RuntimeError as exc:
        if not str(exc).startswith("The custom function"):
            raise
        # An extension function the settings allow (DX_SPARQL_EXTENSION_FUNCTIONS) that
        # Oxigraph does not implement: the client asked for it, so a 400, not a 502.
        return _failure("query", f"{exc} by the embedded store / 組み込みストアにない関数です")
    return _header(answer), answer.body


def _dataset_options(request: dict[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {"base_iri": request["base_iri"]}
    if request["default_graphs"] is not None or request["named_graphs"] is not None:
        options["default_graph"] = [ox.NamedNode(g) for g in request["default_graphs"] or []]
        options["named_graphs"] = [ox.NamedNode(g) for g in request["named_graphs"] or []]
    elif request["union"]:
        options["use_default_graph_as_union"] = True
    return options


def _failure(kind: str, message: str) -> tuple[dict[str, Any], bytes]:
    """An error answer; ``kind`` is a key of the pool's WORKER_ERRORS."""
    return {"ok": False, "kind": kind, "error": message}, b""


def _header(answer: Answer) -> dict[str, Any]:
    return {"ok": True, "media_type": answer.media_type, "truncated": answer.truncated}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
