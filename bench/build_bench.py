"""Build benchmark: real table and synthetic tables 10× / 50× / 100× / 1000× larger.

Each size runs in its own process (clean peak memory). Prints per-phase wall time and the
process's peak RSS, the growth per row, the SHACL gate on all cores vs one process, and on
Oxigraph vs rdflib's memory store, side by side.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rdflib import Graph

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "data" / "dx-kpi-fy2023.csv"
ORGS = ROOT / "data" / "organizations.csv"


class CountedOxigraphGraph(Graph):
    """An Oxigraph-backed graph that counts itself once: pyshacl tests ``datagraph or …``
    (``len()``) for every intermediate result and Oxigraph counts by scanning, which
    otherwise makes it look 20x slower than it is. This is Oxigraph's best case."""

    def __init__(self) -> None:
        super().__init__(store="Oxigraph")
        self._size: int | None = None

    def __len__(self) -> int:
        if self._size is None:
            self._size = super().__len__()
        return self._size


def _pss_mib(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except OSError:  # the process ended between listing and reading
        pass
    return 0.0


def _children(pid: int) -> list[int]:
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as children:
            found += [int(child) for child in children.read().split()]
    return found


@contextmanager
def tree_memory(peak: list[float]) -> Iterator[None]:
    """Sample the proportional set size of this process and its children (forked
    validation workers share the graph's pages: their RSS would count it once each)."""
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            me = os.getpid()
            peak[0] = max(peak[0], sum(_pss_mib(pid) for pid in [me, *_children(me)]))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield
    finally:
        done.set()
        sampler.join()


def measure(factor: int, compare_stores: bool) -> dict[str, object]:
    """Run in a child process: time each phase of one build of ``factor``× the table."""
    from pyshacl import validate as shacl_validate

    from bench.synthetic import write_synthetic
    from converter.edition_build import build_edition
    from converter.formats import RDF_FORMATS
    from converter.gcpause import paused_gc
    from converter.iris import Iris
    from converter.mapping import edition_graph
    from converter.orgs import read_register
    from converter.reader import read_table
    from converter.validate import PARALLEL_FROM, load_shapes, validate
    from converter.writers import Sorted

    times: dict[str, float] = {}
    peaks: dict[str, float] = {}

    def peak(phase: str) -> None:  # high-water RSS once the phase is done, MiB
        peaks[phase] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)

    with tempfile.TemporaryDirectory() as tmp, paused_gc():  # as converter.build does
        table = (
            SOURCE
            if factor == 1
            else write_synthetic(SOURCE, factor, Path(tmp) / "dx-kpi-fy2023.csv")
        )
        start = time.perf_counter()
        parsed = read_table(table, max_bytes=2**30)  # 1000× is 48 MiB
        edition = build_edition(parsed, read_register(ORGS))
        times["parse"] = time.perf_counter() - start
        peak("parse")
        start = time.perf_counter()
        graph = edition_graph(edition, Iris(), "t", "t")
        times["convert"] = time.perf_counter() - start
        peak("convert")
        shapes = load_shapes()
        start = time.perf_counter()
        tree = [0.0]
        with tree_memory(tree):
            report = validate(graph, shapes)  # on every core from PARALLEL_FROM triples on
        times["validate"] = time.perf_counter() - start
        peak("validate")
        peaks["validate_tree"] = round(tree[0], 1)
        assert report.conforms, report.text()[:2000]
        if len(graph) >= PARALLEL_FROM:  # the same gate in one process, side by side
            start = time.perf_counter()
            assert validate(graph, shapes, workers=1).findings == report.findings
            times["validate_serial"] = time.perf_counter() - start
        start = time.perf_counter()
        triples = Sorted(graph)  # as the build does: one sort for the four dumps
        for fmt in RDF_FORMATS:
            fmt.serialize(triples, base_iri=Iris().base)
        times["serialize"] = time.perf_counter() - start
        peak("serialize")
        if compare_stores:
            on_oxigraph = CountedOxigraphGraph()
            on_oxigraph += graph
            start = time.perf_counter()
            shacl_validate(on_oxigraph, shacl_graph=shapes, inference="none", allow_warnings=True)
            times["validate_oxigraph"] = time.perf_counter() - start
    return {
        "factor": factor,
        "rows": len(parsed.rows),
        "triples": len(graph),
        "times": times,
        "peaks": peaks,
    }


SIZES = (1, 10, 50, 100, 1000)  # 1000×: about 3.5 M triples, several minutes and GiB
TARGETS = {1: 1.0, 100: 60.0}  # seconds for `python -m converter build` (issue 10)
BUILD_RUNS = {1: 5}  # under a second, one run is at the mercy of a shared machine's noise


def measure_build(factor: int, runs: int = 1) -> tuple[float, float]:
    """``python -m converter build`` of ``factor``× the table, as staff run it, each run
    into a new folder: the median wall seconds (interpreter start included) and the peak
    RSS in MiB. Only up to the reader's size limit (32 MiB: 100×, not 1000×)."""
    from bench.synthetic import write_synthetic

    took: list[float] = []
    peak = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data"
        shutil.copytree(ROOT / "data", folder)
        if factor > 1:
            write_synthetic(SOURCE, factor, folder / SOURCE.name)
        for run in range(runs):
            command = [sys.executable, "-m", "converter", "build"]
            command += ["--config", str(folder / "publication.toml"), "--out", f"{tmp}/{run}"]
            start = time.perf_counter()
            child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
            _, status, usage = os.wait4(child.pid, 0)
            took.append(time.perf_counter() - start)
            if code := os.waitstatus_to_exitcode(status):
                raise RuntimeError(f"the {factor}× build failed (exit {code})")
            peak = max(peak, usage.ru_maxrss / 1024)
    return statistics.median(took), peak


def run(factors: tuple[int, ...] = SIZES) -> list[dict[str, object]]:
    results = []
    for factor in factors:
        code = (
            "import json, sys; from bench.build_bench import measure; "
            f"print(json.dumps(measure({factor}, {factor in (1, 10)})))"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
        )
        result = json.loads(done.stdout.strip().splitlines()[-1])
        if factor in TARGETS:
            result["build"] = measure_build(factor, BUILD_RUNS.get(factor, 1))
        results.append(result)
        print(f"  measured {factor}×", file=sys.stderr, flush=True)
    return results


def report(results: list[dict[str, object]]) -> str:
    phases = ("parse", "convert", "validate", "serialize")
    lines = [
        "Build benchmark, each size in its own process: seconds per phase, then the "
        "peak RSS (MiB) reached by the end of each phase",
        f"{'size':>6} {'rows':>6} {'triples':>8} "
        + " ".join(f"{p:>9}" for p in phases)
        + f" {'total':>7} {'µs/triple':>9} | "
        + " ".join(f"{p[:5] + ' MiB':>10}" for p in phases),
    ]
    for r in results:
        t, m = r["times"], r["peaks"]
        assert isinstance(t, dict) and isinstance(m, dict)
        total = sum(t[p] for p in phases)
        per = total / int(str(r["triples"])) * 1e6
        lines.append(
            f"{r['factor']:>5}× {r['rows']:>6} {r['triples']:>8} "
            + " ".join(f"{t[p]:>9.2f}" for p in phases)
            + f" {total:>7.2f} {per:>9.1f} | "
            + " ".join(f"{m[p]:>10}" for p in phases)
        )
    lines.append("")
    lines.append(
        "`python -m converter build` as a whole (interpreter start, every graph and file):"
    )
    for r in results:
        built = r.get("build")
        if isinstance(built, list | tuple):
            took, peak = built
            factor = int(str(r["factor"]))
            limit = TARGETS[factor]
            verdict = "ok" if took <= limit else "MISS"
            runs = f" (median of {BUILD_RUNS[factor]})" if factor in BUILD_RUNS else ""
            lines.append(
                f"{r['factor']:>5}×: {took:.2f} s{runs} (target ≤ {limit:.0f} s: {verdict}), "
                f"peak RSS {peak:.0f} MiB"
            )
    lines.append("")
    lines.append(
        f"SHACL gate on {len(os.sched_getaffinity(0))} cores (shapes split by cost, forked "
        "workers) vs one process, same graph, same findings; memory: peak PSS of the "
        "process and its workers"
    )
    for r in results:
        t, m = r["times"], r["peaks"]
        assert isinstance(t, dict) and isinstance(m, dict)
        if "validate_serial" in t:
            serial, parallel = t["validate_serial"], t["validate"]
            lines.append(
                f"{r['factor']:>5}×: parallel {parallel:.2f}s, one process {serial:.2f}s "
                f"→ speed-up {serial / parallel:.2f}×; {m['validate_tree']:.0f} MiB PSS "
                "while validating"
            )
    lines.append("")
    lines.append(
        "SHACL gate, same graph and shapes, side by side: rdflib memory store (used) "
        "vs Oxigraph-backed rdflib graph"
    )
    for r in results:
        t = r["times"]
        assert isinstance(t, dict)
        if "validate_oxigraph" in t:  # both in one process
            memory = t.get("validate_serial", t["validate"])
            ratio = t["validate_oxigraph"] / memory
            lines.append(
                f"{r['factor']:>5}×: memory {memory:.2f}s, oxigraph "
                f"{t['validate_oxigraph']:.2f}s → oxigraph/memory = {ratio:.2f}×"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(run()))
