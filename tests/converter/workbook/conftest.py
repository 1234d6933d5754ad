"""Templates made by ``converter template``, filled as the staff would fill them, and built."""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

from openpyxl import load_workbook
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from converter.build import build
from converter.next_edition import make_template
from converter.workbook.schema import DROP, INPUT_SHEET, KEEP_HEADING
from tests.conftest import PUBLICATION, ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "fy2024"
FY2023 = ROOT / "data" / "dx-kpi-fy2023.csv"
FY2024 = FIXTURE / "dx-kpi-fy2024.csv"
KEY = ("事業No", "再掲元", "分野", "項目番号", "施策No")


def template(folder: Path, *, edition: int | None = None, year: int | None = None) -> Path:
    """A template made from data/publication.toml, as ``make template`` makes it."""
    return make_template(PUBLICATION, folder / "t.xlsx", edition=edition, year=year).out


def records(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text("utf-8-sig"), newline="")))


def fill_like(template_path: Path, table: Path, out: Path) -> dict[str, int]:
    """Type into the template what makes it the table ``table``, as the staff would: the
    new edition's cells, the carried cells that changed, 掲載しない on a row the table no
    longer has, new rows in the spare rows. Returns counts of what was typed."""
    book = load_workbook(template_path)
    sheet = book[INPUT_SHEET]
    heads = [cell.value for cell in sheet[1]]
    wanted = records(table)
    index = {h: wanted[0].index(h) for h in heads if h != KEEP_HEADING}
    by_key = {tuple(r[wanted[0].index(k)] for k in KEY): r for r in wanted[1:]}
    counts = {"typed": 0, "carried changed": 0, "dropped": 0, "added": 0}
    seen, spare = [], []
    for row in range(2, sheet.max_row + 1):
        values = [sheet.cell(row, c).value or "" for c in range(1, len(heads) + 1)]
        if not any(values):
            spare.append(row)
            continue
        key = tuple(values[heads.index(k)] for k in KEY)
        if key not in by_key:
            sheet.cell(row, heads.index(KEEP_HEADING) + 1).value = DROP
            counts["dropped"] += 1
            continue
        seen.append(key)
        _type_row(sheet, row, heads, index, by_key[key], values, counts)
    for record in wanted[1:]:
        key = tuple(record[wanted[0].index(k)] for k in KEY)
        if key not in seen:
            row = spare.pop(0)
            _type_row(sheet, row, heads, index, record, [""] * len(heads), {})
            counts["added"] += 1
    order = [tuple(r[wanted[0].index(k)] for k in KEY) for r in wanted[1:]]
    assert [k for k in order if k in seen] == seen, "the table's rows are in another order"
    book.save(out)
    return counts


def _type_row(sheet, row, heads, index, record, values, counts) -> None:  # type: ignore[no-untyped-def]
    input_heads = {"実績値", "評価"} | {h for h in heads if h and h.endswith("年度取組状況")}
    for column, heading in enumerate(heads, start=1):
        if heading == KEEP_HEADING:
            continue
        want = record[index[heading]]
        if values[column - 1] != want:
            sheet.cell(row, column).value = want or None
            kind = "typed" if heading in input_heads else "carried changed"
            counts[kind] = counts.get(kind, 0) + 1


def publication_with(folder: Path, tables: dict[int, Path], config: Path = PUBLICATION) -> Path:
    """A copy of ``config`` in ``folder`` whose editions read ``tables`` (by fiscal year),
    each beside a copy of the CSVW metadata of the CSV it stands for."""
    text = config.read_text("utf-8")
    organizations = config.parent / re.search(r'^organizations = "(.*)"$', text, re.M)[1]  # type: ignore[index]
    text = re.sub(
        r'^organizations = ".*"$', f'organizations = "{organizations.resolve()}"', text, flags=re.M
    )
    blocks = text.split("[[editions]]")
    for i, block in enumerate(blocks[1:], start=1):
        year = int(re.search(r"fiscal_year = (\d+)", block)[1])  # type: ignore[index]
        original = config.parent / re.search(r'^table = "(.*)"$', block, re.M)[1]  # type: ignore[index]
        table = tables.get(year, original).resolve()
        metadata = original.with_name(original.name + "-metadata.json")
        if table.suffix == ".xlsx":
            shutil.copy(metadata, table.with_name(table.stem + ".csv-metadata.json"))
        blocks[i] = re.sub(r'^table = ".*"$', f'table = "{table}"', block, flags=re.M)
    path = folder / "publication.toml"
    path.write_text("[[editions]]".join(blocks), "utf-8")
    return path


def assert_same_publication(expected: Path, actual: Path) -> None:
    """Every graph of two builds isomorphic, and the same download files (the CSVs byte
    for byte)."""
    for nt in sorted((expected / "graphs").glob("*.nt")):
        a = Graph().parse(nt, format="nt")
        b = Graph().parse(actual / "graphs" / nt.name, format="nt")
        if not isomorphic(a, b):
            _, only_a, only_b = graph_diff(to_isomorphic(a), to_isomorphic(b))
            raise AssertionError(
                f"{nt.name} differs:\nonly expected:\n{only_a.serialize(format='nt')[:3000]}"
                f"\nonly built:\n{only_b.serialize(format='nt')[:3000]}"
            )
    names = sorted(p.name for p in (expected / "download").iterdir())
    assert names == sorted(p.name for p in (actual / "download").iterdir())
    for name in names:
        if name.endswith(".csv"):
            assert (expected / "download" / name).read_bytes() == (
                actual / "download" / name
            ).read_bytes(), name


def build_from(publication: Path, out: Path) -> Path:
    build(publication, out, allow_removals=True)
    return out
