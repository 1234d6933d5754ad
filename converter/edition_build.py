"""A table's rows checked against each other into an :class:`~converter.model.Edition`.

A printed row is a *listing*: a project shown under one plan item. A 再掲 row is one more
listing of a project defined elsewhere; it never creates a second project or KPI.
"""

from __future__ import annotations

import re
import unicodedata

from converter.errors import InputError, Problems, ValueParseError
from converter.model import Edition, Kpi, KpiCell, Listing, Project
from converter.orgs import OrgRegister
from converter.plan import parse_integer, plan_item_key
from converter.relistings import Rows, check_references, collect_kpi_plan_items
from converter.table import Row, Table
from converter.values import ParsedValue, parse_value

RELISTING = "再掲"
NO_KPI = {"", "‐", "-", "－", "―"}
EVALUATIONS = {"達成": "Achieved", "一部達成": "PartiallyAchieved", "未達成": "NotAchieved"}
GOAL_KINDS = {"【目標】": "Objective", "【指標（KPI）】": "KpiGoal"}
_GOAL_KINDS_NFKC = {unicodedata.normalize("NFKC", k): v for k, v in GOAL_KINDS.items()}
_REFERENCE = re.compile(r"^※\s*再掲\s*[:：]\s*No\.?\s*(\d+)$")
_EVALUATION = re.compile(r"^[○◯〇△×✕]\s*[（(](.+)[）)]$")


def build_edition(table: Table, orgs: OrgRegister, problems: Problems | None = None) -> Edition:
    """Check the rows against each other and build the edition.

    Every problem is gathered into ``problems`` (the reader's, so that one report holds
    them all); without one, they are raised here.

    :raises TableProblems: (without ``problems``) naming file, row and column of each.
    """
    found = Problems(table.file) if problems is None else problems
    source = table.source_name or table.file
    edition = Edition(table.fiscal_year, source, {}, {}, {}, [], orgs, [])
    state = Rows()
    for row in table.rows:
        _list_row(edition, table, orgs, row, state, found)
    check_references(edition, state, table.file, found)
    collect_kpi_plan_items(edition)
    if problems is None:
        found.raise_if_any()
    return edition


def _list_row(
    edition: Edition, table: Table, orgs: OrgRegister, row: Row, state: Rows, found: Problems
) -> None:
    """One row: its plan item, project and KPI, each checked even when another is wrong."""
    where: dict = {"file": table.file, "row": row.number}
    plan_item = found.check(plan_item_key, edition.plan_items, row, where)
    listed = found.check(_listed_project, edition, orgs, row, where, state.relistings, found)
    number, is_relisting = listed if isinstance(listed, tuple) else (None, False)
    kpi_found = found.check(_kpi, edition, table, row, number or 0, where, found)
    kpi, kpi_relisted = kpi_found if isinstance(kpi_found, tuple) else (None, False)
    if kpi_relisted and kpi is not None:
        state.kpi_references.append((row, kpi))
    goal_kind = found.check(_goal_kind, row, where)
    if not isinstance(plan_item, str) or number is None:
        return
    with found.gather():
        _check_listed_once(state.listed, number, plan_item, row.number, where)
        edition.listings.append(
            _listing(row, number, plan_item, is_relisting, kpi, kpi_relisted, goal_kind)
        )


def _listed_project(
    edition: Edition,
    orgs: OrgRegister,
    row: Row,
    where: dict,
    relistings: list[tuple[Row, int]],
    found: Problems,
) -> tuple[int, bool]:
    """The project a row lists and whether the row is a 再掲; a new project is defined here.

    A 再掲 row is only noted in ``relistings``: its target is checked once all rows are read.
    """
    if unicodedata.normalize("NFKC", row.cells["project_no"]) == RELISTING:
        number = _reference(row, "relisting_of", "再掲元", where)
        relistings.append((row, number))
        return number, True
    number = parse_integer(row.cells["project_no"], "事業No", where)
    if number in edition.projects:
        first = edition.projects[number].row
        raise InputError(
            f"事業No {number} が二度あります（最初は {first} 行目） / project {number} appears "
            f"twice (first on row {first})",
            column="事業No",
            **where,
        )
    edition.projects[number] = _project(orgs, row, number, where, found)
    return number, False


def _check_listed_once(
    listed: dict[tuple[int, str], int], number: int, plan_item: str, row: int, where: dict
) -> None:
    """A project may be listed under a plan item only once."""
    twice = listed.setdefault((number, plan_item), row)
    if twice != row:
        raise InputError(
            f"事業 {number} が同じ施策 {plan_item} の下に二度あります（最初は {twice} 行目） / "
            f"project {number} is listed twice under plan item {plan_item} (first on row {twice})",
            column="事業No",
            **where,
        )


def _listing(
    row: Row,
    number: int,
    plan_item: str,
    is_relisting: bool,
    kpi: int | None,
    kpi_relisted: bool,
    goal_kind: object,
) -> Listing:
    return Listing(
        row=row.number,
        project=number,
        plan_item=plan_item,
        is_relisting=is_relisting,
        relisting_notation=row.cells["relisting_of"],
        kpi=kpi,
        is_kpi_relisting=kpi_relisted,
        summary=row.cells["summary"],
        goal_kind=goal_kind if isinstance(goal_kind, str) else None,
        goal=row.cells["goal"],
        status=row.status,
    )


def _reference(row: Row, name: str, heading: str, where: dict) -> int:
    text = row.cells[name]
    match = _REFERENCE.match(unicodedata.normalize("NFKC", text).strip())
    if not match:
        raise InputError(
            f"「{text}」は「※再掲:No4」のような再掲の参照ではありません / '{text}' is not a 再掲 "
            "reference like '※再掲:No4'",
            column=heading,
            **where,
        )
    return int(match[1])


def _project(orgs: OrgRegister, row: Row, number: int, where: dict, found: Problems) -> Project:
    departments, divisions = row.list("department"), row.list("division")
    if len(departments) != len(divisions):
        raise InputError(
            f"部が {len(departments)} つ、課が {len(divisions)} つです。「;」で区切って組にして"
            f"ください / {len(departments)} 部 but {len(divisions)} 課; list them in pairs "
            "separated by ';'",
            column="課",
            **where,
        )
    dept_orgs, div_orgs = [], []
    for dept, div in zip(departments, divisions, strict=True):
        if dept not in orgs.departments:
            found.add(
                InputError(
                    f"「{dept}」は組織の一覧（organizations.csv）にありません / '{dept}' is not "
                    "in organizations.csv",
                    column="部",
                    **where,
                )
            )
        elif (dept, div) not in orgs.divisions:
            found.add(
                InputError(
                    f"「{dept}」の「{div}」は組織の一覧（organizations.csv）にありません / "
                    f"'{div}' under '{dept}' is not in organizations.csv",
                    column="課",
                    **where,
                )
            )
        else:
            dept_orgs.append(orgs.departments[dept])
            div_orgs.append(orgs.divisions[(dept, div)])
    return Project(
        number,
        row.cells["project_name"],
        tuple(dict.fromkeys(dept_orgs)),
        tuple(div_orgs),
        row.number,
    )


def _goal_kind(row: Row, where: dict) -> str | None:
    text = row.cells["goal_kind"]
    if not text:
        return None
    kind = _GOAL_KINDS_NFKC.get(unicodedata.normalize("NFKC", text))
    if kind is None:
        raise InputError(
            f"「{text}」は【目標】でも【指標（KPI）】でもありません / '{text}' is not 【目標】 or "
            "【指標（KPI）】",
            column="目標区分",
            **where,
        )
    return kind


def _kpi(
    edition: Edition, table: Table, row: Row, project: int, where: dict, found: Problems
) -> tuple[int | None, bool]:
    text = row.cells["kpi_no"]
    if text in NO_KPI:
        return None, False
    cells = _cells(edition, table, row, where, found)
    evaluation, notation = None, ""
    with found.gather():
        evaluation, notation = _evaluation(row, where)
    if unicodedata.normalize("NFKC", text) == RELISTING:
        number = _reference(row, "kpi_relisting_of", "KPI再掲元", where)
        edition.relisted_cells[row.number] = [c.value.notation for c in cells] + [notation]
        return number, True
    number = parse_integer(text, "KPI番号", where)
    if number in edition.kpis:
        first = edition.kpis[number].row
        raise InputError(
            f"KPI {number} が二度定義されています（最初は {first} 行目）。後の方を「再掲」に"
            f"してください / KPI {number} is defined twice (first on row {first}); mark the "
            "later one 再掲",
            column="KPI番号",
            **where,
        )
    if not row.cells["kpi_name"]:
        raise InputError("KPI には指標名が要ります / a KPI needs a name", column="指標名", **where)
    _check_filled(table, row, where, found)
    kpi = Kpi(
        number,
        row.cells["kpi_name"],
        row.cells["unit"],
        cells,
        evaluation,
        notation,
        carried_by=project,
        row=row.number,
    )
    _check_units(kpi, where)
    edition.kpis[number] = kpi
    return number, False


def _cells(edition: Edition, table: Table, row: Row, where: dict, found: Problems) -> list[KpiCell]:
    """The printed values of a KPI row (also of a 再掲 row, to check them); each value
    that is not a number is added to ``found``."""
    layout = table.layout
    printed: list[tuple[str, int | None, str, str]] = [
        ("baseline", None, row.cells["baseline"], "基準値")
    ]
    for target_year, text_value in row.targets.items():
        heading = layout.headings[layout.targets[target_year]]
        printed.append(("target", target_year, text_value, heading))
    printed.append(("actual", edition.fiscal_year, row.cells["actual"], "実績値"))
    cells = []
    for kind, year, text, heading in printed:
        value = found.check(_value, text, heading, where)
        if isinstance(value, ParsedValue):
            cells.append(KpiCell(kind, year, value))
    return cells


def _check_filled(table: Table, row: Row, where: dict, found: Problems) -> None:
    """A KPI's row prints every value (a dash where there is none): an empty one was
    forgotten, and would publish a value without its notation."""
    layout = table.layout
    printed = [("基準値", row.cells["baseline"]), ("実績値", row.cells["actual"])]
    printed += [(layout.headings[layout.targets[y]], t) for y, t in row.targets.items()]
    for heading, text in printed:
        if not text:
            found.add(
                InputError(
                    "KPI の値が空欄です。印字どおりに、値がないときは「-」と入力します / the "
                    "KPI's value is empty: type it as printed, or '-' when there is none",
                    column=heading,
                    **where,
                )
            )


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
        raise InputError(
            f"「{text}」は評価ではありません。○（達成）、△（一部達成）、×（未達成）のどれかです"
            f" / '{text}' is not an evaluation such as ○（達成）, △（一部達成） or ×（未達成）",
            column="評価",
            **where,
        )
    return EVALUATIONS[match[1].strip()], text


def _check_units(kpi: Kpi, where: dict) -> None:
    printed = {c.value.unit for c in kpi.cells if c.value.unit}
    for unit in printed:
        if kpi.unit and unicodedata.normalize("NFKC", unit) != unicodedata.normalize(
            "NFKC", kpi.unit
        ):
            raise InputError(
                f"値の単位は「{unit}」ですが、単位の列は「{kpi.unit}」です / values are printed "
                f"in '{unit}' but 単位 says '{kpi.unit}'",
                column="単位",
                **where,
            )
