"""``python -m server``: serve with gunicorn on ``HOST``:``PORT`` (default 127.0.0.1:8000).

``python -m server --get /id/kpi/2.ttl`` prints one response without starting a server
(datasette's ``--get``), handy for checking a build.
"""

from __future__ import annotations

import argparse
import sys

from converter.errors import InputError
from server.config import Settings
from server.errors import ServerError


def _get(path: str, accept: str) -> int:
    from server.app import create_app

    response = create_app().test_client().get(path, headers={"Accept": accept})
    sys.stdout.write(response.get_data(as_text=True))
    return 0 if response.status_code < 400 else 1


def gunicorn_argv(bind: str, workers: int, threads: int) -> list[str]:
    """The gunicorn command line ``python -m server`` runs.

    ``gthread``, not ``sync``: sync workers do not keep connections alive, so every request
    paid for a new TCP connection (cheap query 0.37x -> 0.45x Oxigraph's, medians, with the
    earlier Python-threads client). One process per core (GIL-bound work scales by processes) and
    two threads each, as many as a process's query workers; four gave a worse p99.
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
    """Parse the command line, then serve (or answer one ``--get``).

    Exit codes: 0 served or answered; 1 ``--get`` got an error status; 2 a setting or the
    build is unusable (one line on standard error, no traceback).
    """
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
        "--threads",
        type=int,
        default=settings.threads,
        help="request threads per worker process (gthread)",
    )
    args = parser.parse_args(argv)
    try:
        if args.get:
            return _get(args.get, args.accept)
        from server.app import create_app

        create_app()  # fail here, in one line, rather than in every gunicorn worker
    except (ServerError, InputError) as exc:
        print(f"エラー / error: {exc}", file=sys.stderr)
        return 2
    from gunicorn.app.wsgiapp import run

    bind = f"{settings.host}:{settings.port}"
    sys.argv = gunicorn_argv(bind, args.workers, max(1, args.threads))
    run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
