"""``make bench``: the build benchmark, then the SPARQL endpoint against `oxigraph serve`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.build_bench import report, run

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    print(report(run()), flush=True)
    print(flush=True)
    return subprocess.call([sys.executable, str(ROOT / "bench" / "bench_sparql.py"),
                            "--dist", str(ROOT / "dist"), "--repeat", "3"], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main())
