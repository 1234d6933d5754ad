"""``python -m server``: serve with gunicorn on ``HOST``:``PORT`` (default 127.0.0.1:8000).

``python -m server --get /id/kpi/2.ttl`` prints one response without starting a server
(datasette's ``--get``), handy for checking a build.
"""

from __future__ import annotations

import argparse
import os
import sys


def _get(path: str, accept: str) -> int:
    from server.app import create_app

    response = create_app().test_client().get(path, headers={"Accept": accept})
    sys.stdout.write(response.get_data(as_text=True))
    return 0 if response.status_code < 400 else 1


def gunicorn_argv(bind: str, workers: int, threads: int) -> list[str]:
    """The gunicorn command line ``python -m server`` runs.

    Worker class ``gthread``, not the default ``sync``: sync workers do not keep connections
    alive, so every request cost the client and the server a new TCP connection, and a
    process was held for the whole exchange. With gthread, idle keep-alive connections wait
    in a poller and requests run on ``threads`` threads per process. Measured with
    bench/bench_sparql.py (20 keep-alive clients, 2 cores, cached cheap query), sync's
    throughput was 0.21-0.40x Oxigraph's across runs, gthread's 0.29-0.57x (medians 0.37x
    and 0.45x); the query pool is now used by both its workers (curated* 1.4x -> 1.7x).
    The app is thread-safe: the query pool, answer cache and memoized negotiation are locked
    or immutable. ``workers`` stays one process per core: GIL-bound work scales by
    processes. ``threads`` defaults to 2, as many as a process's query workers
    (SPARQL_WORKERS), so no request queues for one; 4 threads gave the same throughput and a
    worse p99 (1.5-1.7x Oxigraph's against 1.2-1.4x), the threads sharing one GIL.
    The access log stays on; it costs about 50 us of CPU per request (~12 %).
    """
    return [
        "gunicorn",
        "--bind",
        bind,
        "--worker-class",
        "gthread",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--access-logfile",
        "-",
        "server.app:create_app()",
    ]


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, then serve (or answer one ``--get``)."""
    parser = argparse.ArgumentParser(prog="python -m server", description=__doc__)
    parser.add_argument("--get", metavar="PATH", help="print the response for PATH and exit")
    parser.add_argument("--accept", default="text/turtle", help="Accept header for --get")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 2)))
    parser.add_argument(
        "--threads",
        type=int,
        default=int(os.environ.get("WEB_THREADS", 2)),
        help="request threads per worker process (gthread)",
    )
    args = parser.parse_args(argv)
    if args.get:
        return _get(args.get, args.accept)
    from gunicorn.app.wsgiapp import run

    bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
    sys.argv = gunicorn_argv(bind, args.workers, max(1, args.threads))
    run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
