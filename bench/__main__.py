"""``make bench``: the build benchmark, the workbook benchmark (reading a filled template of
100× the table: bench/workbook_bench.py, on its own ``python -m bench.workbook_bench``), the
HTTP benchmark (bench/http_bench.py: ours against `oxigraph serve`, Trifid and a Flask hello
world, driven by wrk), then the remote-store benchmark (bench/remote_bench.py: our server
over `oxigraph serve` and Virtuoso against itself over the embedded store).

``python -m bench [--build-sizes 1,10,100] [http_bench options]``, e.g.
``python -m bench --seconds 2 --repeat 1`` (the build sizes default to 1, 10, 50, 100, 1000);
the remote-store benchmark takes ``--seconds`` (default 15 there), ``--dist`` and
``--threads`` from those options. Both HTTP benchmarks serve ``dist/`` when it exists
(``make bench`` builds it first).
The WSGI servers' comparison (gunicorn, granian, waitress) runs on its own:
``python -m bench.wsgi_compare`` (bench/wsgi_compare.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

from bench import http_bench, remote_bench, workbook_bench
from bench.build_bench import SIZES, report, run

ROOT = Path(__file__).resolve().parents[1]
#: The http_bench options the remote-store benchmark takes too.
SHARED = ("--seconds", "--dist", "--threads")


def shared_options(args: list[str]) -> list[str]:
    """The options of ``args`` named in :data:`SHARED` (``--name value`` or ``--name=value``)."""
    picked: list[str] = []
    for at, arg in enumerate(args):
        name = arg.split("=", 1)[0]
        if name in SHARED:
            picked += [arg] if "=" in arg else args[at : at + 2]
    return picked


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    sizes: tuple[int, ...] = SIZES
    if "--build-sizes" in args:
        at = args.index("--build-sizes")
        sizes = tuple(int(n) for n in args[at + 1].split(","))
        del args[at : at + 2]
    print(report(run(sizes)), flush=True)
    print(flush=True)
    print(workbook_bench.run(), flush=True)
    print(flush=True)
    if "--dist" not in args and (ROOT / "dist" / "manifest.json").exists():
        args += ["--dist", str(ROOT / "dist")]
    failed = http_bench.main(args)
    print(flush=True)
    return max(failed, remote_bench.main(shared_options(args)))


if __name__ == "__main__":
    sys.exit(main())
