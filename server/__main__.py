"""``python -m server``: serve with granian on ``HOST``:``PORT`` (default 127.0.0.1:8000).

``python -m server --get /id/kpi/2.ttl`` prints one response without starting a server
(datasette's ``--get``), handy for checking a build.
"""

from __future__ import annotations

import argparse
import os
import sys

from converter.errors import InputError
from server.config import Settings
from server.errors import ServerError
from server.metrics.folder import MULTIPROCESS_VARIABLE, prepare_multiprocess_dir
from server.wsgi.granian_log import CONFIG as GRANIAN_LOG

#: Milliseconds a client may take to send its request line and headers; then granian closes
#: the connection. A slow sender costs a socket in granian's event loop, never a thread.
HEADER_READ_TIMEOUT_MS = 10_000


def _get(path: str, accept: str) -> int:
    from server.app import create_app

    response = create_app().test_client().get(path, headers={"Accept": accept})
    sys.stdout.write(response.get_data(as_text=True))
    return 0 if response.status_code < 400 else 1


def server_argv(host: str, port: int, workers: int, threads: int) -> list[str]:
    """The granian command line ``python -m server`` runs (README, "Which WSGI server").

    granian reads requests in Rust (hyper on tokio) and hands a thread only a complete
    request, so slow or idle clients cannot starve the app (gunicorn gthread gave each one a
    thread: five slow senders took the site down). Its WSGI interface ran our pages and
    queries 1.5-2.9x gunicorn's throughput side by side (bench/wsgi_compare.py). One process
    per core (GIL-bound work scales by processes); ``threads`` blocking threads each: a
    query waiting for a worker holds one, so there are many (a waiting thread costs little),
    and queries may hold all but 8 of them (``DX_SPARQL_CONCURRENCY``), so pages always
    find one. granian's processes do not share connections evenly: under 100 concurrent
    unique joins 16 threads with 12 query slots refused a third with 503, 64 with 56 up to
    a quarter; 128 with 112 refused none, but grew each process ~25 MB and served the mixed
    site load no faster (tests/harden/test_load.py, side by side), so 64 it is.
    """
    return [
        *(sys.executable, "-m", "granian", "--interface", "wsgi", "--factory"),
        *("--host", host, "--port", str(port)),
        *("--workers", str(workers), "--blocking-threads", str(threads)),
        *("--http", "1", "--no-ws", "--respawn-failed-workers", "--respawn-interval", "1"),
        *("--http1-header-read-timeout", str(HEADER_READ_TIMEOUT_MS)),
        *("--log-level", "info"),  # the access log is the app's (server/wsgi/access_log.py)
        *("--log-config", str(GRANIAN_LOG)),  # without the warning about many threads
        "server.app:create_served_app",
    ]


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, then serve (or answer one ``--get``).

    Exit codes: 0 answered; 1 ``--get`` got an error status; 2 a setting or the build is
    unusable (one line on standard error, no traceback). Serving replaces this process with
    granian's (``exec``), so signals reach the server itself.
    """
    # This process checks the app in-process before granian starts: its metrics must not
    # go to the workers' folder (its pid becomes granian's, which lives on).
    metrics_dir = os.environ.pop(MULTIPROCESS_VARIABLE, None)
    try:
        settings = Settings.load()
    except ServerError as exc:
        print(f"エラー / error: {exc}", file=sys.stderr)
        return 2
    parser = argparse.ArgumentParser(prog="python -m server", description=__doc__)
    parser.add_argument("--get", metavar="PATH", help="print the response for PATH and exit")
    parser.add_argument("--accept", default="text/turtle", help="Accept header for --get")
    parser.add_argument("--workers", type=int, default=settings.workers)
    parser.add_argument(
        "--threads", type=int, default=settings.threads, help="request threads per process"
    )
    args = parser.parse_args(argv)
    try:
        if args.get:
            return _get(args.get, args.accept)
        from server.app import create_app

        create_app()  # fail here, in one line, rather than in every granian worker
    except (ServerError, InputError) as exc:
        print(f"エラー / error: {exc}", file=sys.stderr)
        return 2
    workers, threads = max(1, args.workers), max(1, args.threads)
    command = server_argv(settings.host, settings.port, workers, threads)
    # The app in each worker reads its settings again: let it see what the command line chose
    # (the query processes' memory share depends on the number of processes).
    os.environ.update(
        {Settings.env_name(n): str(v) for n, v in (("workers", workers), ("threads", threads))}
    )
    if settings.metrics_port:
        # Read by prometheus_client when the workers import it: their metric files go there.
        os.environ[MULTIPROCESS_VARIABLE] = prepare_multiprocess_dir(metrics_dir)
    # glibc gives each busy thread its own malloc arena and never hands them back: with 16
    # threads a process grew ~30 MB under its first load. Two arenas cost no measurable speed.
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")
    os.execv(command[0], command)
    return 0  # not reached: exec does not return


if __name__ == "__main__":
    sys.exit(main())
