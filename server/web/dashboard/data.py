"""The data behind every dashboard chart, as CSV (one row per printed value) and JSON.

The Japan Dashboard's rule: every indicator with its source and method, in bulk. The CSV is
long-form (KPI × edition × kind × year) so it pivots in any spreadsheet; the JSON carries the
same values with the KPI's names, unit, direction, evaluation, progress and the attribution.
The CSV is written for spreadsheets, so a cell that would start a formula gets the same
quote as in the downloads (:func:`converter.spreadsheet.escape_cell`); the JSON keeps the
data as it is.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from converter.spreadsheet import escape_cell
from server.web.common.naming import local_name
from server.web.common.publication import Attribution
from server.web.kpis import KpiSeries, Point
from server.web.kpis.progress import change_rate, evaluation_counts, evaluation_key, progress

COLUMNS = (
    "kpi_number",
    "kpi_name",
    "unit",
    "direction",
    "edition",
    "kind",
    "fiscal_year",
    "value",
    "notation",
    "evaluation",
    "kpi_iri",
    "value_iri",
)
#: How the numbers were obtained (the Japan Dashboard names a method per indicator).
METHOD = {
    "ja": "値は福島県の報告資料（各年度版）に印刷されたとおりです。評価（達成・一部達成・未達成）"
    "は県によるものです。進捗率（基準値から目標値までのうち実績値が進んだ割合）と前年度比は、"
    "このサイトが印刷された値から計算しています。",
    "en": "Values as printed in each edition of Fukushima Prefecture's report; the evaluation "
    "(achieved, partly achieved, not achieved) is the prefecture's. Progress (how far the "
    "actual has come from the baseline towards the target) and the change on the year before "
    "are computed by this site from the printed values.",
}


def _number(value: float | None) -> int | float | None:
    """``70000`` rather than ``70000.0``: the printed number, as JSON writes it."""
    if value is None:
        return None
    return int(value) if value == int(value) else value


def _cell(value: float | None) -> str:
    number = _number(value)
    return "" if number is None else str(number)


def csv_rows(kpis: Iterable[KpiSeries], names: dict[str, str]) -> list[dict[str, str]]:
    """One row per printed value; ``names`` gives each KPI's Japanese name."""
    return [
        {
            "kpi_number": str(kpi.number),
            "kpi_name": names.get(kpi.iri, ""),
            "unit": kpi.unit("ja"),
            "direction": local_name(kpi.direction) if kpi.direction else "",
            "edition": str(p.edition or ""),
            "kind": p.kind,
            "fiscal_year": str(p.year or ""),
            "value": _cell(p.value),
            "notation": p.notation,
            "evaluation": local_name(p.evaluation) if p.evaluation else "",
            "kpi_iri": kpi.iri,
            "value_iri": p.iri,
        }
        for kpi in kpis
        for p in kpi.points
    ]


def csv_text(rows: list[dict[str, str]]) -> str:
    """RFC 4180 CSV (CRLF line ends) with a header row; no cell can start a formula."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({key: escape_cell(cell) for key, cell in row.items()} for row in rows)
    return out.getvalue()


def _point(p: Point) -> dict[str, object]:
    return {
        "edition": p.edition or None,
        "kind": p.kind,
        "fiscal_year": p.year or None,
        "value": _number(p.value),
        "notation": p.notation,
        "evaluation": local_name(p.evaluation) if p.evaluation else None,
        "iri": p.iri,
    }


def kpi_json(kpi: KpiSeries, names: dict[str, dict[str, str]]) -> dict[str, object]:
    """A KPI with its values; ``names`` gives ``{language: label}`` per IRI."""
    done, rate = progress(kpi), change_rate(kpi)
    return {
        "number": kpi.number,
        "iri": kpi.iri,
        "name": names.get(kpi.iri, {}),
        "unit": kpi.units,
        "direction": local_name(kpi.direction) if kpi.direction else None,
        "evaluation": None if evaluation_key(kpi) == "none" else evaluation_key(kpi),
        "progress_percent": None if done is None else round(done, 1),
        "change_percent": None if rate is None else round(rate, 1),
        "plan": {"field": kpi.plan_field, "item": kpi.item, "measure": kpi.measure},
        "departments": kpi.departments,
        "editions": kpi.editions,
        "values": [_point(p) for p in kpi.points],
    }


def source_json(attribution: Attribution) -> dict[str, object]:
    return {"attribution": attribution.as_json(), "method": METHOD}


def dashboard_json(
    kpis: list[KpiSeries],
    names: dict[str, dict[str, str]],
    attribution: Attribution,
    editions: list[tuple[int, str]],
) -> dict[str, object]:
    """Every KPI, the evaluation counts, the editions and the attribution."""
    return {
        **source_json(attribution),
        "editions": [{"fiscal_year": year, "report": iri} for year, iri in editions],
        "summary": evaluation_counts(kpis),
        "kpis": [kpi_json(k, names) for k in kpis],
    }
