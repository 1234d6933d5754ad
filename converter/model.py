"""The report as checked domain objects (no rdflib here).

A printed row is a *listing*: a project shown under one plan item. A 再掲 row is one more
listing of a project defined elsewhere; it never creates a second project or KPI.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from converter.errors import InputError, ValueParseError
from converter.orgs import Org, OrgRegister
from converter.reader import Row, Table
from converter.values import ParsedValue, Qualifier, parse_value

RELISTING = "再掲"
NO_KPI = {"", "‐", "-", "－", "―"}
PLAN_MEASURE = "計画"  # listed in the plan, not under a numbered measure
EVALUATIONS = {"達成": "Achieved", "一部達成": "PartiallyAchieved", "未達成": "NotAchieved"}
GOAL_KINDS = {"【目標】": "Objective", "【指標（KPI）】": "KpiGoal"}
SUB_ITEMS = dict(zip("アイウエオカキクケコサシスセソ",
                     "a i u e o ka ki ku ke ko sa shi su se so".split(), strict=True))
_GOAL_KINDS_NFKC = {unicodedata.normalize("NFKC", k): v for k, v in GOAL_KINDS.items()}
_REFERENCE = re.compile(r"^※\s*再掲\s*[:：]\s*No\.?\s*(\d+)$")
_MEASURE = re.compile(r"^\((\d+)\)([ア-ン])?$")
_EVALUATION = re.compile(r"^[○◯〇△×✕]\s*[（(](.+)[）)]$")


@dataclass(frozen=True)
class PlanItem:
    key: str  # IRI path below id/plan/, e.g. "I-3-6-a"
    level: str  # "field" | "item" | "measure"
    notation: str  # as printed: "Ⅰ", "3", "(6)ア", "計画"
    name: str  # Japanese name as printed ("" where none is printed)
    parent: str | None


@dataclass(frozen=True)
class KpiCell:
    kind: str  # "baseline" | "target" | "actual"
    year: int | None  # fiscal year; None for the baseline (its year is not printed)
    value: ParsedValue


@dataclass
class Kpi:
    number: int
    name: str
    unit: str  # 単位 as given ("" when none)
    cells: list[KpiCell]
    evaluation: str | None  # "Achieved" | "PartiallyAchieved" | "NotAchieved"
    evaluation_notation: str
    carried_by: int  # the project whose row defines the KPI
    row: int
    plan_items: list[str] = field(default_factory=list)

    @property
    def direction(self) -> str | None:
        """"HigherIsBetter" / "LowerIsBetter", read from the printed targets."""
        qualifiers = {c.value.qualifier for c in self.cells}
        if Qualifier.AT_MOST in qualifiers:
            return "LowerIsBetter"
        if Qualifier.AT_LEAST in qualifiers:
            return "HigherIsBetter"
        series = [c.value.number for c in self.cells
                  if c.kind != "actual" and c.value.number is not None]
        if len(series) < 2 or series[0] == series[-1]:
            return None
        return "HigherIsBetter" if series[-1] > series[0] else "LowerIsBetter"


@dataclass(frozen=True)
class Listing:
    row: int
    project: int
    plan_item: str
    is_relisting: bool
    relisting_notation: str
    kpi: int | None
    is_kpi_relisting: bool
    summary: str
    goal_kind: str | None
    goal: str
    status: str


@dataclass(frozen=True)
class Project:
    number: int
    name: str
    departments: tuple[Org, ...]
    divisions: tuple[Org, ...]
    row: int


@dataclass
class Edition:
    fiscal_year: int
    file: str
    plan_items: dict[str, PlanItem]
    projects: dict[int, Project]
    kpis: dict[int, Kpi]
    listings: list[Listing]
    orgs: OrgRegister
    warnings: list[str]
    relisted_cells: dict[int, list[str]] = field(default_factory=dict)  # row → notations


def build_edition(table: Table, orgs: OrgRegister) -> Edition:
    """Check the rows against each other and build the edition.

    :raises InputError: naming file, row and column of the first problem found.
    """
    edition = Edition(table.fiscal_year, table.file, {}, {}, {}, [], orgs, [])
    relistings: list[tuple[Row, int]] = []
    kpi_references: list[tuple[Row, int]] = []
    listed: dict[tuple[int, str], int] = {}  # (project, plan item) → first row
    for row in table.rows:
        where: dict = {"file": table.file, "row": row.number}
        plan_item = _plan_item(edition, row, where)
        project_no = row.cells["project_no"]
        if unicodedata.normalize("NFKC", project_no) == RELISTING:
            number = _reference(row, "relisting_of", "再掲元", where)
            relistings.append((row, number))
            is_relisting = True
        else:
            number = _integer(project_no, "事業No", where)
            if number in edition.projects:
                raise InputError(f"project {number} appears twice (first on row "
                                 f"{edition.projects[number].row})", column="事業No", **where)
            edition.projects[number] = _project(orgs, row, number, where)
            is_relisting = False
        twice = listed.setdefault((number, plan_item), row.number)
        if twice != row.number:
            raise InputError(f"project {number} is listed twice under plan item {plan_item} "
                             f"(first on row {twice})", column="事業No", **where)
        kpi, kpi_relisted = _kpi(edition, table, row, number, where)
        if kpi_relisted and kpi is not None:
            kpi_references.append((row, kpi))
        edition.listings.append(Listing(
            row=row.number, project=number, plan_item=plan_item, is_relisting=is_relisting,
            relisting_notation=row.cells["relisting_of"], kpi=kpi,
            is_kpi_relisting=kpi_relisted, summary=row.cells["summary"],
            goal_kind=_goal_kind(row, where), goal=row.cells["goal"], status=row.status))
    _check_references(edition, relistings, kpi_references, table.file)
    _collect_kpi_plan_items(edition)
    return edition


def _integer(text: str, column: str, where: dict) -> int:
    normal = unicodedata.normalize("NFKC", text).strip()
    if not normal.isdigit():
        raise InputError(f"'{text}' is not a number", column=column, **where)
    return int(normal)


def _reference(row: Row, name: str, heading: str, where: dict) -> int:
    text = row.cells[name]
    match = _REFERENCE.match(unicodedata.normalize("NFKC", text).strip())
    if not match:
        raise InputError(f"'{text}' is not a 再掲 reference like '※再掲:No4'",
                         column=heading, **where)
    return int(match[1])


def _plan_item(edition: Edition, row: Row, where: dict) -> str:
    cells = row.cells
    field_code = unicodedata.normalize("NFKC", cells["field"]).strip()
    if not re.fullmatch(r"[IVX]+", field_code):
        raise InputError(f"'{cells['field']}' is not a Roman numeral such as Ⅰ",
                         column="分野", **where)
    item_no = _integer(cells["item_no"], "項目番号", where)
    field_key, item_key = field_code, f"{field_code}-{item_no}"
    _register(edition, PlanItem(field_key, "field", cells["field"], "", None), where, "分野")
    _register(edition, PlanItem(item_key, "item", cells["item_no"], cells["item_name"],
                                field_key), where, "項目名称")
    code = unicodedata.normalize("NFKC", cells["measure_no"]).replace(" ", "")
    if code == PLAN_MEASURE:
        key = f"{item_key}-keikaku"
        _register(edition, PlanItem(key, "measure", cells["measure_no"], cells["measure_name"],
                                    item_key), where, "施策名称")
        return key
    match = _MEASURE.match(code)
    if not match:
        raise InputError(f"'{cells['measure_no']}' is not a measure number like (1), (6)ア "
                         "or 計画", column="施策No", **where)
    key = f"{item_key}-{match[1]}"
    name = cells["measure_name"]
    if not match[2]:
        _register(edition, PlanItem(key, "measure", f"({match[1]})", name, item_key), where,
                  "施策名称")
        return key
    if match[2] not in SUB_ITEMS:
        raise InputError(f"sub-item '{match[2]}' is not supported", column="施策No", **where)
    # "ＡＩの活用　議事録の作成支援": the measure's name, a space, the sub-item's name.
    parts = name.split(maxsplit=1)
    if len(parts) != 2:
        raise InputError(f"'{name}' must give the measure name and the sub-item name "
                         "separated by a space", column="施策名称", **where)
    _register(edition, PlanItem(key, "measure", f"({match[1]})", parts[0], item_key), where,
              "施策名称")
    sub_key = f"{key}-{SUB_ITEMS[match[2]]}"
    _register(edition, PlanItem(sub_key, "measure", match[2], parts[1], key), where, "施策名称")
    return sub_key


def _register(edition: Edition, item: PlanItem, where: dict, column: str) -> None:
    known = edition.plan_items.setdefault(item.key, item)
    if known.name != item.name:
        raise InputError(f"'{item.name}' differs from '{known.name}' given for the same "
                         f"plan item {item.key} earlier", column=column, **where)


def _project(orgs: OrgRegister, row: Row, number: int, where: dict) -> Project:
    departments, divisions = row.list("department"), row.list("division")
    if len(departments) != len(divisions):
        raise InputError(f"{len(departments)} 部 but {len(divisions)} 課; list them in pairs "
                         "separated by ';'", column="課", **where)
    dept_orgs, div_orgs = [], []
    for dept, div in zip(departments, divisions, strict=True):
        if dept not in orgs.departments:
            raise InputError(f"'{dept}' is not in organizations.csv", column="部", **where)
        if (dept, div) not in orgs.divisions:
            raise InputError(f"'{div}' under '{dept}' is not in organizations.csv",
                             column="課", **where)
        dept_orgs.append(orgs.departments[dept])
        div_orgs.append(orgs.divisions[(dept, div)])
    return Project(number, row.cells["project_name"], tuple(dict.fromkeys(dept_orgs)),
                   tuple(div_orgs), row.number)


def _goal_kind(row: Row, where: dict) -> str | None:
    text = row.cells["goal_kind"]
    if not text:
        return None
    kind = _GOAL_KINDS_NFKC.get(unicodedata.normalize("NFKC", text))
    if kind is None:
        raise InputError(f"'{text}' is not 【目標】 or 【指標（KPI）】", column="目標区分",
                         **where)
    return kind


def _kpi(edition: Edition, table: Table, row: Row, project: int,
         where: dict) -> tuple[int | None, bool]:
    text = row.cells["kpi_no"]
    if text in NO_KPI:
        return None, False
    cells = _cells(edition, table, row, where)
    evaluation, notation = _evaluation(row, where)
    if unicodedata.normalize("NFKC", text) == RELISTING:
        number = _reference(row, "kpi_relisting_of", "KPI再掲元", where)
        edition.relisted_cells[row.number] = [c.value.notation for c in cells] + [notation]
        return number, True
    number = _integer(text, "KPI番号", where)
    if number in edition.kpis:
        raise InputError(f"KPI {number} is defined twice (first on row "
                         f"{edition.kpis[number].row}); mark the later one 再掲",
                         column="KPI番号", **where)
    if not row.cells["kpi_name"]:
        raise InputError("a KPI needs a name", column="指標名", **where)
    kpi = Kpi(number, row.cells["kpi_name"], row.cells["unit"], cells, evaluation, notation,
              carried_by=project, row=row.number)
    _check_units(kpi, where)
    edition.kpis[number] = kpi
    return number, False


def _cells(edition: Edition, table: Table, row: Row, where: dict) -> list[KpiCell]:
    """The printed values of a KPI row (also of a 再掲 row, to check them)."""
    layout = table.layout
    cells = [KpiCell("baseline", None, _value(row.cells["baseline"], "基準値", where))]
    for year, text_value in row.targets.items():
        heading = layout.headings[layout.targets[year]]
        cells.append(KpiCell("target", year, _value(text_value, heading, where)))
    cells.append(KpiCell("actual", edition.fiscal_year,
                         _value(row.cells["actual"], "実績値", where)))
    return cells


def _value(text: str, heading: str, where: dict) -> ParsedValue:
    try:
        return parse_value(text)
    except ValueParseError as exc:
        raise InputError(str(exc), column=heading, **where) from exc


def _evaluation(row: Row, where: dict) -> tuple[str | None, str]:
    text = row.cells["evaluation"]
    if not text:
        return None, ""
    match = _EVALUATION.match(text.strip())
    if not match or match[1].strip() not in EVALUATIONS:
        raise InputError(f"'{text}' is not an evaluation such as ○（達成）, △（一部達成） or "
                         "×（未達成）", column="評価", **where)
    return EVALUATIONS[match[1].strip()], text


def _check_units(kpi: Kpi, where: dict) -> None:
    printed = {c.value.unit for c in kpi.cells if c.value.unit}
    for unit in printed:
        if kpi.unit and unicodedata.normalize("NFKC", unit) != \
                unicodedata.normalize("NFKC", kpi.unit):
            raise InputError(f"values are printed in '{unit}' but 単位 says '{kpi.unit}'",
                             column="単位", **where)


def _check_references(edition: Edition, relistings: list[tuple[Row, int]],
                      kpi_references: list[tuple[Row, int]], file: str) -> None:
    for row, number in relistings:
        if number not in edition.projects:
            raise InputError(f"再掲 refers to project {number}, which the table does not "
                             "define", file=file, row=row.number, column="再掲元")
        original = edition.projects[number]
        if row.cells["project_name"] != original.name:
            edition.warnings.append(f"{file} row {row.number}: 事業名 differs from project "
                                    f"{number} (row {original.row})")
    for row, number in kpi_references:
        if number not in edition.kpis:
            raise InputError(f"再掲 refers to KPI {number}, which the table does not define",
                             file=file, row=row.number, column="KPI再掲元")
        kpi = edition.kpis[number]
        if row.cells["kpi_name"] and row.cells["kpi_name"] != kpi.name:
            edition.warnings.append(f"{file} row {row.number}: 指標名 differs from KPI "
                                    f"{number} (row {kpi.row})")
        printed = [c.value.notation for c in kpi.cells] + [kpi.evaluation_notation]
        relisted = edition.relisted_cells.get(row.number, [])
        if any(relisted) and relisted != printed:
            edition.warnings.append(f"{file} row {row.number}: the re-listed values of KPI "
                                    f"{number} differ from row {kpi.row}")


def _collect_kpi_plan_items(edition: Edition) -> None:
    for listing in edition.listings:
        if listing.kpi is None:
            continue
        items = edition.kpis[listing.kpi].plan_items
        if listing.plan_item not in items:
            items.append(listing.plan_item)
