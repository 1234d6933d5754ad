"""Workbook benchmark: read a filled template of 100× the table (6,500 rows), as
``make build`` reads an edition's workbook, beside the same table as CSV.

``python -m bench.workbook_bench [FACTOR]`` runs just this part. The workbook is made once
from the schema (``converter template``'s writer) and filled with openpyxl; each read runs
in its own process, so the peak RSS is the reader's own (the process's RSS before reading,
with the converter imported, is shown beside it).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "data" / "dx-kpi-fy2023.csv"
ORGS = ROOT / "data" / "organizations.csv"
FACTOR = 100


def make_workbook(factor: int, folder: Path) -> tuple[Path, Path]:
    """The synthetic table as CSV and as a filled template of the same edition."""
    from openpyxl import load_workbook

    from bench.synthetic import write_synthetic
    from converter.orgs import read_register
    from converter.reader import read_table
    from converter.workbook.schema import (
        INPUT_SHEET,
        STAMP_EDITION,
        STAMP_VERSION,
        TEMPLATE_VERSION,
    )
    from converter.workbook.template import write_template

    table_csv = write_synthetic(SOURCE, factor, folder / "dx-kpi-fy2023.csv")
    table = read_table(table_csv, max_bytes=2**30)
    stamp = {STAMP_VERSION: TEMPLATE_VERSION, STAMP_EDITION: str(table.fiscal_year)}
    workbook = folder / "dx-kpi-fy2023.xlsx"
    write_template(table, read_register(ORGS), stamp, table.fiscal_year, workbook)
    book = load_workbook(workbook)
    sheet = book[INPUT_SHEET]
    layout = table.layout
    inputs = [layout.index["actual"], layout.index["evaluation"], layout.status_index]
    for offset, row in enumerate(table.rows, start=2):
        printed = {"actual": row.cells["actual"], "evaluation": row.cells["evaluation"]}
        for position, text in zip(inputs, [*printed.values(), row.status], strict=True):
            sheet.cell(offset, position + 1).value = text or None
    book.save(workbook)
    return table_csv, workbook


def _status_mib(key: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def measure(path: str) -> dict[str, float]:
    """In a child process: seconds and peak RSS (MiB) of reading ``path`` as a table.

    The peak is the kernel's high-water mark (VmHWM), reset once the converter is imported,
    so it is the reading's own peak, not the imports'."""
    from converter.reader import read_table

    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # resets VmHWM to the current RSS (Linux ≥ 4.0)
    before = _status_mib("VmRSS")
    start = time.perf_counter()
    table = read_table(Path(path), max_bytes=2**30)
    took = time.perf_counter() - start
    return {"rows": len(table.rows), "seconds": took, "peak": _status_mib("VmHWM"),
            "before": before}  # fmt: skip


def _child(path: Path) -> dict[str, float]:
    code = (
        "import json; from bench.workbook_bench import measure; "
        f"print(json.dumps(measure({str(path)!r})))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(factor: int = FACTOR) -> str:
    """The report: the workbook and the CSV of ``factor``× the table, read side by side."""
    with tempfile.TemporaryDirectory() as tmp:
        table_csv, workbook = make_workbook(factor, Path(tmp))
        sizes = {p.suffix: p.stat().st_size / 2**20 for p in (table_csv, workbook)}
        results = {".xlsx": _child(workbook), ".csv": _child(table_csv)}
    lines = [
        f"Workbook benchmark: {factor}× the table, read as make build reads an edition "
        "(each read in its own process; RSS in MiB)",
        f"{'file':>6} {'MiB':>6} {'rows':>6} {'seconds':>8} {'RSS before':>11} {'peak RSS':>9} "
        f"{'growth':>7}",
    ]
    for suffix, r in results.items():
        lines.append(
            f"{suffix:>6} {sizes[suffix]:>6.1f} {int(r['rows']):>6} {r['seconds']:>8.2f} "
            f"{r['before']:>11.0f} {r['peak']:>9.0f} {r['peak'] - r['before']:>7.0f}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(run(int(sys.argv[1]) if len(sys.argv) > 1 else FACTOR))
