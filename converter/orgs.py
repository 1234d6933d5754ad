"""The register of organisations: Japanese name → stable ASCII IRI name and English name."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from converter.encoding import decode
from converter.errors import InputError

HEADINGS = ["名称", "種別", "上位組織", "IRI名", "英語名"]
KINDS = {"県": "prefecture", "部": "department", "課": "division"}


@dataclass(frozen=True)
class Org:
    name: str  # Japanese, as printed
    kind: str  # "prefecture" | "department" | "division"
    path: str  # IRI path below id/org/, e.g. "somu-bu/gyosei-keiei-ka"
    name_en: str
    parent: str | None  # path of the parent organisation


@dataclass(frozen=True)
class OrgRegister:
    prefecture: Org
    departments: dict[str, Org]  # Japanese name → Org
    divisions: dict[tuple[str, str], Org]  # (department name, division name) → Org

    def all(self) -> list[Org]:
        return [self.prefecture, *self.departments.values(), *self.divisions.values()]


def read_register(path: Path) -> OrgRegister:
    """Read ``organizations.csv`` (UTF-8 with or without a BOM, or CP932, as a table).

    :raises InputError: the file cannot be read or decoded; a heading, kind, parent or IRI
        name is wrong or repeated.
    """
    file = path.name
    records = _read_records(path, file)
    prefecture: Org | None = None
    departments: dict[str, Org] = {}
    divisions: dict[tuple[str, str], Org] = {}
    paths: set[str] = set()
    for number, record in enumerate(records[1:], start=2):
        name, kind, parent, slug, name_en = [cell.strip() for cell in (record + [""] * 5)[:5]]
        if not name:
            continue
        _check_kind_and_slug(kind, slug, file, number)
        if KINDS[kind] == "prefecture":
            org = prefecture = Org(name, "prefecture", slug, name_en, None)
        elif KINDS[kind] == "department":
            org = _department(name, parent, slug, name_en, prefecture, file, number)
            departments[name] = org
        else:
            org = _division(name, parent, slug, name_en, departments, file, number)
            divisions[(parent, name)] = org
        _claim_path(paths, org.path, slug, file, number)
    if prefecture is None:
        raise InputError("no row of 種別 県", file=file)
    return OrgRegister(prefecture, departments, divisions)


def _read_records(path: Path, file: str) -> list[list[str]]:
    """The CSV rows, header included, once the header is checked."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot be read: {exc}", file=file) from exc
    # As a table: UTF-8 (with or without a BOM), else CP932, what Excel saves as "CSV".
    records = list(csv.reader(io.StringIO(decode(data, file), newline="")))
    if not records or [h.strip() for h in records[0]] != HEADINGS:
        raise InputError(f"the header must be {','.join(HEADINGS)}", file=file, row=1)
    return records


def _check_kind_and_slug(kind: str, slug: str, file: str, row: int) -> None:
    if kind not in KINDS:
        raise InputError(
            f"'{kind}' is not one of {', '.join(KINDS)}", file=file, row=row, column="種別"
        )
    if not slug or not slug.isascii() or not all(c.isalnum() or c == "-" for c in slug):
        raise InputError(
            f"'{slug}' is not an ASCII IRI name (letters, digits, '-')",
            file=file,
            row=row,
            column="IRI名",
        )


def _department(
    name: str, parent: str, slug: str, name_en: str, prefecture: Org | None, file: str, row: int
) -> Org:
    """A 部, which must sit directly under the 県 listed before it."""
    if prefecture is None or parent != prefecture.name:
        raise InputError(
            f"a 部 must have the 県 (listed first) as 上位組織, not '{parent}'",
            file=file,
            row=row,
            column="上位組織",
        )
    return Org(name, "department", slug, name_en, prefecture.path)


def _division(
    name: str,
    parent: str,
    slug: str,
    name_en: str,
    departments: dict[str, Org],
    file: str,
    row: int,
) -> Org:
    """A 課, whose IRI path nests under its 部 listed above."""
    if parent not in departments:
        raise InputError(
            f"上位組織 '{parent}' is not a 部 listed above",
            file=file,
            row=row,
            column="上位組織",
        )
    department = departments[parent]
    return Org(name, "division", f"{department.path}/{slug}", name_en, department.path)


def _claim_path(paths: set[str], org_path: str, slug: str, file: str, row: int) -> None:
    """Record an IRI path, refusing one already taken."""
    if org_path in paths:
        raise InputError(f"IRI name '{slug}' is used twice", file=file, row=row, column="IRI名")
    paths.add(org_path)
