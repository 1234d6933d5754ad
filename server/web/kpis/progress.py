"""What a reader asks of a KPI series: its evaluation, progress, rate of change, what changed.

Pure functions over :class:`~server.web.kpis.KpiSeries`: no store, no request. The
dashboard, its data downloads and the embedded charts all read these, so a number shown on
a page and the one in its CSV are the same computation.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.web.common.naming import local_name
from server.web.kpis import KpiSeries, Point

#: Filter keys of the evaluations (the IRIs' local names), worst first; "none": no evaluation.
EVALUATION_KEYS = ("NotAchieved", "PartiallyAchieved", "Achieved", "none")


def evaluation_key(kpi: KpiSeries) -> str:
    """The filter key of the KPI's evaluation: ``Achieved`` …, or ``none``."""
    return local_name(kpi.evaluation) if kpi.evaluation else "none"


def progress(kpi: KpiSeries) -> float | None:
    """How far the latest actual has come from the baseline to its year's target, in %.

    100 means the target is met, 0 that nothing moved, a negative number a move away from
    the target (for a lower-is-better KPI the target lies below the baseline, and the same
    ratio holds). None when a number is missing or the target equals the baseline.
    """
    last, base = kpi.last_actual, kpi.baseline
    if last is None or base is None or last.value is None or base.value is None:
        return None
    target = kpi.latest("target", last.year)
    if target is None or target.value is None or target.value == base.value:
        return None
    return (last.value - base.value) / (target.value - base.value) * 100


def change_rate(kpi: KpiSeries) -> float | None:
    """The latest actual against the year before's, in % (None without two numbers)."""
    numbers = [p for p in kpi.actuals if p.value is not None]
    if len(numbers) < 2 or not numbers[-2].value:
        return None
    before, after = numbers[-2].value, numbers[-1].value
    assert before is not None and after is not None
    return (after - before) / abs(before) * 100


@dataclass(frozen=True)
class Delta:
    """One difference between the latest edition and the one before, for one KPI."""

    kind: str  #: target | evaluation | actual
    year: int  #: the fiscal year of the value
    before: str  #: printed text, or the evaluation's IRI ("" for a new actual)
    after: str
    point: Point  #: the latest edition's value


def deltas(kpi: KpiSeries) -> list[Delta]:
    """Targets revised, the evaluation changed and actuals added by the latest edition."""
    editions = kpi.editions
    if len(editions) < 2:
        return []
    latest, previous = editions[-1], editions[-2]
    found = [
        Delta("target", p.year, before.notation, p.notation, p)
        for p in kpi.points
        if p.kind == "target" and p.edition == latest and (before := kpi.revised(p))
    ]
    old_years = {p.year for p in kpi.points if p.kind == "actual" and p.edition < latest}
    new = [p for p in kpi.points if p.kind == "actual" and p.edition == latest]
    found += [Delta("actual", p.year, "", p.notation, p) for p in new if p.year not in old_years]
    old = _evaluated(kpi, previous)
    now = _evaluated(kpi, latest)
    if old and now and old.evaluation != now.evaluation:
        found.append(Delta("evaluation", now.year, old.evaluation, now.evaluation, now))
    return found


def _evaluated(kpi: KpiSeries, edition: int) -> Point | None:
    """The edition's evaluated actual (its latest year's)."""
    found = [p for p in kpi.points if p.kind == "actual" and p.edition == edition and p.evaluation]
    return max(found, key=lambda p: p.year) if found else None


def evaluation_counts(kpis: list[KpiSeries]) -> dict[str, int]:
    """KPIs per evaluation key, every key present."""
    found = dict.fromkeys(EVALUATION_KEYS, 0)
    for kpi in kpis:
        found[evaluation_key(kpi)] += 1
    return found
