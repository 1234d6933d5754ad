"""Fuzzing the converter: mutated tables never crash it, never slip through, never touch dist/.

Every case builds a mutated copy of the real table over a copy of the real publication, in
process (``converter.cli.main`` with stdout and stderr captured), and checks:

- the exit code is 2, or 0 only when the table is still well formed (an oracle written
  here, independent of the reader: one encoding, strict CSV, one cell per heading, no
  control characters); never 3, never a traceback;
- an exit 2 names the file, and the row (and column) where the mutation has one;
- a refused build leaves the previous ``dist/`` byte for byte (its tree is hashed);
- a build that passed wrote a download CSV in which no cell can start a formula.

The seeded corpus covers deleted and inserted cells, swapped columns, truncated, empty,
binary and huge files, wrong encodings, formula-like cells, a 100,000-character cell,
duplicated headers and rows, broken CP932 bytes, control characters, stray quotes, byte
flips, values in rows without a KPI and impossible years. Hypothesis adds cell edits
(``validate``), and a few cases run ``python -m converter build`` as a real process.
Short form (``make test``): 60 + 24 + 3 tables and one 5 MB file; full
(``DX_HARDEN=full``): 420 + 150 + 3 and a 50 MB file.
"""

from __future__ import annotations

import contextlib
import csv
import io
import random
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from converter.cli import main
from tests.conftest import ROOT
from tests.harden.figures import Figure, record
from tests.harden.scale import FULL, scaled
from tests.support.trees import file_digests

pytestmark = pytest.mark.slow

TABLE = "dx-kpi-fy2023.csv"
RAW = (ROOT / "data" / TABLE).read_bytes()
TEXT = RAW.decode("utf-8")
HEADER = next(csv.reader(io.StringIO(TEXT)))
WIDTH = len(HEADER)
ROWS = TEXT.count("\n")  # spreadsheet rows, header included (every row ends with "\n")
FREE_TEXT = ("事業概要又は取組内容", "指標（ＫＰＩ）又は目標", "令和５年度取組状況")
FORMULAS = ('=HYPERLINK("http://example.org/x","詳細")', "+cmd|' /C calc'!A0", "-2+3",
            "@SUM(1+1)", "\t=1+1", "=1+1", "-1+1")  # fmt: skip
CONTROLS = "\x00\x01\x08\x0b\x0c\x1b\x1f\x7f\x80\x85\x9f"
# Messages that have no row to name: the whole file, or the whole edition, is the problem.
ROWLESS = ("the file is empty", "MiB", "UTF-16", "UTF-32", "not a CSV file", "no data rows",
           "--allow-removals")  # fmt: skip
_ORACLE_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_NEGATIVE = re.compile(r"-[0-9][0-9,]*(?:\.[0-9]+)?%?")


@dataclass(frozen=True)
class Case:
    kind: str
    data: bytes
    expect: str = "refuse"  # "refuse" (exit 2) | "ok" (exit 0) | "any" (0 or 2, oracle decides)
    fragments: tuple[str, ...] = ()  # in the message of an exit 2


# The oracle ---------------------------------------------------------------------------------


def well_formed(data: bytes) -> bool:
    """What a table must at least be to be accepted, checked without the converter."""
    if b"\x1b" in data:
        return False
    for encoding in ("utf-8", "cp932"):
        try:
            text = data.decode(encoding).removeprefix("\ufeff")
            break
        except UnicodeDecodeError:
            continue
    else:
        return False
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error:
        return False
    rows = [r for r in rows if any(c.strip() for c in r)]
    if len(rows) < 2 or _ORACLE_CONTROL.search(text):
        return False
    return all(len(r) == len(rows[0]) for r in rows)


def spreadsheet_safe(data: bytes) -> bool:
    """No cell starts a formula (OWASP), but a lone "-" and plain negative numbers."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp932")  # a CP932 source with nothing to escape is copied as is
    cells = [c for r in csv.reader(io.StringIO(text, newline="")) for c in r]
    return not any(
        c.startswith(("=", "+", "@", "\t", "\r"))
        or (c.startswith("-") and c != "-" and not _NEGATIVE.fullmatch(c))
        for c in cells
    )


# Mutations ----------------------------------------------------------------------------------

Mutation = Callable[[random.Random], Case]


def records() -> list[list[str]]:
    return list(csv.reader(io.StringIO(TEXT, newline="")))


def to_csv(rows: list[list[str]], newline: str = "\n") -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator=newline).writerows(rows)
    return out.getvalue().encode("utf-8")


def data_row(rng: random.Random) -> int:
    return rng.randint(2, ROWS)


def deleted_cell(rng: random.Random) -> Case:
    rows, row, column = records(), data_row(rng), rng.randrange(WIDTH)
    del rows[row - 1][column]
    return Case("deleted cell", to_csv(rows), fragments=(f"row {row}", "has 24 cells"))


def inserted_cell(rng: random.Random) -> Case:
    rows, row = records(), data_row(rng)
    rows[row - 1].insert(rng.randrange(WIDTH), rng.choice(["", "x", "1"]))
    return Case("inserted cell", to_csv(rows), fragments=(f"row {row}", "has 26 cells"))


def swapped_columns(rng: random.Random) -> Case:
    a, b = rng.sample(range(WIDTH), 2)
    rows = records()
    for row in rows:
        row[a], row[b] = row[b], row[a]
    return Case("swapped columns (with headings)", to_csv(rows), expect="ok")


def swapped_data(rng: random.Random) -> Case:
    a, b = rng.sample(range(WIDTH), 2)
    rows = records()
    for row in rows[1:]:
        row[a], row[b] = row[b], row[a]
    return Case("swapped columns (data only)", to_csv(rows), expect="any")


def truncated(rng: random.Random) -> Case:
    cut = rng.randrange(len(RAW))
    # Only a cut inside the last cell of the last row keeps every row whole.
    expect = "any" if cut > RAW.rfind(b",") else "refuse"
    return Case("truncated", RAW[:cut], expect=expect)


def empty(rng: random.Random) -> Case:
    header = RAW.split(b"\n", 1)[0]
    data = rng.choice([b"", b"\n\n \n", b"\xef\xbb\xbf", header, header + b"\n" + b"," * 24])
    return Case("empty or header only", data)


def binary(rng: random.Random) -> Case:
    data = rng.choice(
        [
            rng.randbytes(rng.randint(1, 5000)),
            bytes(range(256)) * rng.randint(1, 8),
            b"\x89PNG\r\n\x1a\n" + rng.randbytes(300),
            b"PK\x03\x04" + rng.randbytes(300),
            b"\x00" * rng.randint(1, 2000),
        ]
    )
    return Case("binary", data)


def wrong_encoding(rng: random.Random) -> Case:
    name = rng.choice(["utf-16", "utf-16-le", "utf-32", "euc_jp", "iso2022_jp", "mojibake"])
    if name == "mojibake":  # UTF-8 bytes read as CP1252 and saved again as UTF-8
        data = RAW.decode("cp1252", "replace").encode("utf-8")
    else:
        data = TEXT.encode(name, "replace")
    return Case(f"wrong encoding ({name})", data)


def formula_cells(rng: random.Random) -> Case:
    rows = records()
    for _ in range(rng.randint(1, 3)):
        rows[data_row(rng) - 1][HEADER.index(rng.choice(FREE_TEXT))] = rng.choice(FORMULAS)
    return Case("formula-like cells", to_csv(rows), expect="ok")


def long_cell(rng: random.Random) -> Case:
    rows, row, column = records(), data_row(rng), rng.randrange(WIDTH)
    rows[row - 1][column] = rng.choice("あx1") * 100_000
    fragments = (f"row {row}", f"column {HEADER[column]}", "100,000")
    return Case("100,000-character cell", to_csv(rows), fragments=fragments)


def duplicated_header(rng: random.Random) -> Case:
    rows = records()
    how = rng.choice(["as row 2", "at a random row", "a heading twice"])
    if how == "a heading twice":
        a, b = rng.sample(range(WIDTH), 2)
        rows[0][b] = rows[0][a]
        return Case("duplicated header", to_csv(rows), fragments=("row 1",))
    row = 2 if how == "as row 2" else data_row(rng)
    rows.insert(row - 1, list(HEADER))
    return Case("duplicated header", to_csv(rows), fragments=(f"row {row}",))


def broken_cp932(rng: random.Random) -> Case:
    lines, row = TEXT.encode("cp932").split(b"\n"), data_row(rng)
    # A lead byte before "," or "\x7f" never makes a character (before another byte it may).
    broken = rng.choice([(b",", b"\x81,"), (b",", b",\x81\x7f")])
    lines[row - 1] = lines[row - 1].replace(*broken, 1)
    return Case("CP932 with a broken byte", b"\n".join(lines), fragments=(f"row {row}", "CP932"))


def control_character(rng: random.Random) -> Case:
    rows, row, column = records(), rng.randint(1, ROWS), rng.randrange(WIDTH)
    char = rng.choice(CONTROLS)
    cell = rows[row - 1][column]
    at = rng.randint(0, len(cell))
    rows[row - 1][column] = cell[:at] + char + cell[at:]
    heading = HEADER[column] if row > 1 else f"#{column + 1}"
    fragments = (f"row {row}", f"column {heading}", f"U+{ord(char):04X}")
    return Case("control character", to_csv(rows), fragments=fragments)


def stray_quote(rng: random.Random) -> Case:
    lines, row = TEXT.split("\n"), data_row(rng)
    cells = lines[row - 1].split(",")
    at = rng.randrange(1, len(cells))
    cells[at] = '"' + cells[at]  # opens a quoted cell that does not close where it should
    lines[row - 1] = ",".join(cells)
    return Case("stray quote", "\n".join(lines).encode("utf-8"), fragments=(f"row {row}",))


def byte_flips(rng: random.Random) -> Case:
    data = bytearray(RAW)
    for _ in range(rng.randint(1, 4)):
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    return Case("byte flips", bytes(data), expect="any")


def value_without_kpi(rng: random.Random) -> Case:
    rows = records()
    kpi_less = [i for i, r in enumerate(rows[1:], start=2) if r[HEADER.index("KPI番号")] == "‐"]
    row = rng.choice(kpi_less)
    column = rng.choice(["基準値", "目標値Ｒ５", "実績値", "評価", "指標名"])
    rows[row - 1][HEADER.index(column)] = rng.choice(["123", "達成", "5件", "ほぼ100%"])
    return Case("value in a row without KPI", to_csv(rows), fragments=(f"row {row}", column))


def impossible_year(rng: random.Random) -> Case:
    rows = records()
    column = rng.choice(["目標値Ｒ４", "目標値Ｒ７", "令和５年度取組状況"])
    year = rng.choice(["９９９９９", "0", "100", "9" * 5000])
    rows[0][HEADER.index(column)] = (
        column.replace("４", year).replace("７", year).replace("５", year)
    )
    return Case("impossible year in a heading", to_csv(rows), fragments=("row 1", "column"))


def deleted_row(rng: random.Random) -> Case:
    rows = records()
    del rows[data_row(rng) - 1]  # a valid table, one printed row short
    return Case("deleted row", to_csv(rows))


def duplicated_row(rng: random.Random) -> Case:
    rows, row = records(), data_row(rng)
    rows.insert(row, list(rows[row - 1]))
    return Case("duplicated row", to_csv(rows), fragments=(f"row {row + 1}",))


def same_table_saved_otherwise(rng: random.Random) -> Case:
    name = rng.choice(["bom", "crlf", "cp932"])
    data = {
        "bom": b"\xef\xbb\xbf" + RAW,
        "crlf": to_csv(records(), newline="\r\n"),
        "cp932": TEXT.encode("cp932"),
    }[name]
    return Case(f"same table ({name})", data, expect="ok")


MUTATIONS: tuple[Mutation, ...] = (
    deleted_cell, inserted_cell, swapped_columns, swapped_data, truncated, empty, binary,
    wrong_encoding, formula_cells, long_cell, duplicated_header, broken_cp932,
    control_character, stray_quote, byte_flips, value_without_kpi, impossible_year,
    deleted_row, duplicated_row, same_table_saved_otherwise,
)  # fmt: skip


def corpus(count: int, seed: int = 12) -> Iterator[Case]:
    rng = random.Random(seed)
    for index in range(count):
        yield MUTATIONS[index % len(MUTATIONS)](rng)


def big_files() -> Iterator[Case]:
    """5 MB of repeated rows (read whole, refused at the first repeat); full form: 50 MB."""
    body = RAW.split(b"\n", 1)[1]
    repeated = RAW + body * (5 * 2**20 // len(body))
    yield Case("5 MB table", repeated, fragments=(f"row {ROWS + 1}",))
    if FULL:
        yield Case("50 MB table", RAW + body * (50 * 2**20 // len(body)), fragments=("MiB",))


# Running the CLI ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    code: int | str | None
    stdout: str
    stderr: str


def run_cli(argv: list[str]) -> Outcome:
    """``python -m converter ARGV`` in this process, its output captured."""
    out, err = io.StringIO(), io.StringIO()
    code: int | str | None = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main.main(args=argv, prog_name="converter", standalone_mode=True)
        except SystemExit as exc:
            code = exc.code
        except Exception as exc:  # noqa: BLE001 - what the CLI must never let out
            code, err = "escaped", io.StringIO(f"Traceback (escaped): {exc!r}")
    return Outcome(code, out.getvalue(), err.getvalue())


class Workspace:
    """A copy of ``data/`` whose table each case replaces, and a published ``dist/``."""

    def __init__(self, root: Path, published: Path) -> None:
        self.data = root / "data"
        shutil.copytree(ROOT / "data", self.data)
        self.pristine, self.dist = published, root / "dist"
        shutil.copytree(published, self.dist)
        self.digest = file_digests(self.dist)

    def build(self, case: Case) -> Outcome:
        (self.data / TABLE).write_bytes(case.data)
        return run_cli(["build", "--config", str(self.data / "publication.toml"),
                        "--out", str(self.dist)])  # fmt: skip

    def restore(self) -> None:
        shutil.rmtree(self.dist)
        shutil.copytree(self.pristine, self.dist)


def problems(case: Case, outcome: Outcome, workspace: Workspace | None) -> list[str]:
    """What is wrong with how the converter answered ``case`` (empty: all is well)."""
    found = []
    if outcome.code not in (0, 1, 2):
        found.append(f"exit {outcome.code}")
    if "Traceback" in outcome.stderr or "internal error" in outcome.stderr:
        found.append("traceback or internal error")
    if outcome.code == 0:
        found += _accepted_problems(case, workspace)
    elif outcome.code == 2:
        found += _refused_problems(case, outcome, workspace)
    elif outcome.code == 1:  # the SHACL gate refused it: a valid table, data the shapes forbid
        if "SHACL" not in outcome.stdout + outcome.stderr or case.expect == "ok":
            found.append("exit 1 without a SHACL report, or for a valid table")
        if workspace is not None and file_digests(workspace.dist) != workspace.digest:
            found.append("a refused build changed dist/")
    return found


def _accepted_problems(case: Case, workspace: Workspace | None) -> list[str]:
    found = []
    if case.expect == "refuse":
        found.append("accepted a table that must be refused")
    if not well_formed(case.data):
        found.append("accepted a table that is not well formed")
    if workspace is not None:
        download = (workspace.dist / "download" / TABLE).read_bytes()
        if not spreadsheet_safe(download):
            found.append("the download CSV lets a cell start a formula")
    return found


def _refused_problems(case: Case, outcome: Outcome, workspace: Workspace | None) -> list[str]:
    found = []
    # The error is the last thing said; a table's problems come as one report over several
    # lines (issue 23), from its "エラー / error:" line on.
    text = outcome.stderr.strip()
    start = text.rfind("エラー / error:")
    message = text[start:] if start >= 0 else (text.splitlines()[-1] if text else "")
    if case.expect == "ok":
        found.append(f"refused a valid table: {message[:300]}")
    if TABLE not in message:
        found.append(f"the message names no file: {message[:300]}")
    if "row " not in message and not any(f in message for f in ROWLESS):
        found.append(f"the message names no row: {message[:300]}")
    found += [f"{f!r} not in {message[:300]!r}" for f in case.fragments if f not in message]
    if workspace is not None and file_digests(workspace.dist) != workspace.digest:
        found.append("a refused build changed dist/")
    return found


def check_cases(workspace: Workspace, cases: list[Case]) -> tuple[Counter[str], list[str]]:
    codes: Counter[str] = Counter()
    failures = []
    for number, case in enumerate(cases):
        outcome = workspace.build(case)
        codes[f"exit {outcome.code}"] += 1
        failures += [f"#{number} {case.kind}: {p}" for p in problems(case, outcome, workspace)]
        if outcome.code == 0:
            workspace.restore()
    return codes, failures


def outcome_text(codes: Counter[str]) -> str:
    return ", ".join(f"{name}: {n}" for name, n in sorted(codes.items(), reverse=True))


# The tests --------------------------------------------------------------------------------


def test_mutated_tables_over_a_published_build(dist_dir: Path, tmp_path: Path) -> None:
    workspace = Workspace(tmp_path, dist_dir)
    cases = [*corpus(scaled(3, 21) * len(MUTATIONS)), *big_files()]
    codes, failures = check_cases(workspace, cases)
    record(
        Figure(
            case="converter fuzz",
            sent=f"{len(cases)} mutated tables ({len(MUTATIONS)} kinds), build over a "
            "published dist",
            outcome=outcome_text(codes),
            errors=len(failures),
        )
    )
    assert not failures, "\n".join(failures[:40])
    assert codes["exit 0"] and codes["exit 2"]  # both paths were exercised


CELL_TEXT = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=24),
    st.sampled_from([*FORMULAS, "-", "-5", "123", "達成", "ほぼ100%", "", "‐", "再掲", "①"]),
    st.text(st.sampled_from("0123456789,.%-=+@\t\x00\x1b\x85ーあ"), max_size=8),
)


def test_hypothesis_cell_edits(tmp_path: Path) -> None:
    table = tmp_path / TABLE
    codes: Counter[str] = Counter()
    failures: list[str] = []

    @settings(
        max_examples=scaled(24, 150),
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(
        row=st.integers(1, ROWS),
        column=st.integers(0, WIDTH - 1),
        text=CELL_TEXT,
        how=st.sampled_from(["set", "append", "delete"]),
    )
    def edit(row: int, column: int, text: str, how: str) -> None:
        rows = records()
        cells = rows[row - 1]
        if how == "delete":
            del cells[column]
        else:
            cells[column] = text if how == "set" else cells[column] + text
        case = Case(f"cell {how}", to_csv(rows), expect="any")
        table.write_bytes(case.data)
        outcome = run_cli(["validate", str(table)])
        codes[f"exit {outcome.code}"] += 1
        failures.extend(
            f"{row}/{column}/{how}/{text!r}: {p}" for p in problems(case, outcome, None)
        )

    edit()
    record(
        Figure(
            case="converter fuzz (hypothesis)",
            sent=f"{sum(codes.values())} cell edits (set, append, delete), validate",
            outcome=outcome_text(codes),
            errors=len(failures),
        )
    )
    assert not failures, "\n".join(failures[:40])


def test_real_processes(dist_dir: Path, tmp_path: Path) -> None:
    """A few cases as the staff run them: ``python -m converter build`` in a process."""
    workspace = Workspace(tmp_path, dist_dir)
    rng = random.Random(7)
    cases = [deleted_row(rng), control_character(rng), broken_cp932(rng)]
    codes: Counter[str] = Counter()
    failures = []
    for case in cases:
        (workspace.data / TABLE).write_bytes(case.data)
        config = str(workspace.data / "publication.toml")
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "converter",
                "build",
                "--config",
                config,
                "--out",
                str(workspace.dist),
            ],  # fmt: skip
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
        )
        outcome = Outcome(done.returncode, done.stdout, done.stderr)
        codes[f"exit {outcome.code}"] += 1
        failures += [f"{case.kind}: {p}" for p in problems(case, outcome, workspace)]
    record(
        Figure(
            case="converter fuzz (processes)",
            sent=f"{len(cases)} tables via python -m converter build",
            outcome=outcome_text(codes),
            errors=len(failures),
        )
    )
    assert not failures, "\n".join(failures)
    assert codes == Counter({"exit 2": len(cases)})
