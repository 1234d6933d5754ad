"""The curated example queries (server/queries/*.rq), run through /sparql on the real build
(the session's ``local_store`` from tests/conftest.py), return the rows the report prints."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef

from server.sparql.examples import load_examples
from server.stores.local import LocalStore
from tests.sparql.conftest import sparql_app

B = "https://data.pref.fukushima.lg.jp/dx/"
DX = B + "ontology#"
EXAMPLES = {e.id: e for e in load_examples()}
Rows = list[dict[str, Any]]


@pytest.fixture(scope="module")
def real(local_store: LocalStore) -> Iterator[FlaskClient]:
    with sparql_app(local_store) as (app, _):
        yield app.test_client()


def run(client: FlaskClient, example_id: str) -> Rows:
    response = client.post(
        "/sparql",
        data={"query": EXAMPLES[example_id].query},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200, response.data
    return [
        {k: v["value"] for k, v in b.items()} for b in response.get_json()["results"]["bindings"]
    ]


def numbers(rows: Rows, key: str = "number") -> list[int]:
    return [int(r[key]) for r in rows]


def check_unachieved(rows: Rows) -> None:
    assert numbers(rows) == [2, 4, 5, 12, 15, 16]
    assert {r["evaluation"] for r in rows} == {DX + "PartiallyAchieved"}


def check_departments(rows: Rows) -> None:
    counts = {r["departmentLabel"]: int(r["projects"]) for r in rows}
    assert {"総務部", "企画調整部"} <= counts.keys()
    assert sum(counts.values()) == 52 + 3  # three projects have two departments


def check_targets_and_actuals(rows: Rows) -> None:
    assert numbers(rows) == list(range(1, 20))  # one edition: one row per KPI
    assert {r["editionYear"] for r in rows} == {"2023"}
    kpi3 = rows[2]
    assert Decimal(kpi3["baseline"]) == 14442
    assert Decimal(kpi3["target"]) == 30000  # FY2023, the edition's year
    assert Decimal(kpi3["target2025"]) == 70000
    assert Decimal(kpi3["actual"]) == 64169
    partial = {int(r["number"]) for r in rows if r.get("evaluation") == DX + "PartiallyAchieved"}
    achieved = {int(r["number"]) for r in rows if r.get("evaluation") == DX + "Achieved"}
    assert partial == {2, 4, 5, 12, 15, 16}
    assert achieved == set(range(1, 20)) - partial


def check_listings(rows: Rows) -> None:
    assert len({r["project"] for r in rows}) == 52
    assert len(rows) > 52 and any(r["relisting"] == "true" for r in rows)
    assert all(r["relisting"] in ("true", "false") for r in rows)


def check_targets_by_year(rows: Rows) -> None:
    assert {int(r["fiscalYear"]) for r in rows} == {2022, 2023, 2024, 2025}
    kpi3 = {
        int(r["fiscalYear"]): Decimal(r["target"])
        for r in rows
        if r["number"] == "3" and "target" in r
    }
    assert kpi3[2025] == 70000
    assert {int(r["number"]) for r in rows} == set(range(1, 20))


def check_several_departments(rows: Rows) -> None:
    assert 8 in numbers(rows)
    project8 = next(r for r in rows if r["number"] == "8")
    assert set(project8["departments"].split("・")) == {"総務部", "企画調整部"}
    assert all(int(r["count"]) > 1 for r in rows)


def check_kpi_projects(rows: Rows) -> None:
    assert set(numbers(rows)) == set(range(1, 20))
    assert all(r["project"].startswith(B + "id/project/fy2023/") for r in rows)


def check_plan(rows: Rows) -> None:
    labels = {r["code"]: r.get("label") for r in rows}
    assert labels["I-3-6"] == "ＡＩの活用"
    assert sum(int(r["projects"]) for r in rows) >= 52


def check_units(rows: Rows) -> None:
    assert numbers(rows) == list(range(1, 20))
    assert {r["direction"] for r in rows} <= {DX + "HigherIsBetter", DX + "LowerIsBetter"}


def check_actuals_by_edition(rows: Rows) -> None:
    # One edition published: one actual (the two-edition fixture: tests/converter/test_series.py).
    assert [(r["fiscalYear"], r["notation"], r["editionYear"]) for r in rows] == [
        ("2023", "64,169", "2023")
    ]


def check_nothing_to_compare(rows: Rows) -> None:
    assert rows == []  # a single edition has no revised targets and no changes


CHECKS: dict[str, Callable[[Rows], None]] = {
    "01-unachieved-kpis": check_unachieved,
    "02-projects-per-department": check_departments,
    "03-kpi-targets-and-actuals": check_targets_and_actuals,
    "04-listings-per-measure": check_listings,
    "05-targets-by-year": check_targets_by_year,
    "06-projects-of-several-departments": check_several_departments,
    "07-kpis-and-their-projects": check_kpi_projects,
    "08-plan-structure": check_plan,
    "09-kpi-direction-and-units": check_units,
    "11-kpi-3-actuals-by-edition": check_actuals_by_edition,
    "12-revised-targets": check_nothing_to_compare,
    "13-changes-of-the-latest-edition": check_nothing_to_compare,
}


def test_every_example_has_titles_and_a_check() -> None:
    assert len(EXAMPLES) >= 8
    for example in EXAMPLES.values():
        assert example.title_ja and example.title_en
    assert set(EXAMPLES) == set(CHECKS) | {"10-kpi-3-graph"}


@pytest.mark.parametrize("example_id", sorted(CHECKS))
def test_example_rows(real: FlaskClient, example_id: str) -> None:
    CHECKS[example_id](run(real, example_id))


def test_construct_example(real: FlaskClient) -> None:
    response = real.post(
        "/sparql",
        data={"query": EXAMPLES["10-kpi-3-graph"].query},
        headers={"Accept": "text/turtle"},
    )
    assert response.status_code == 200
    g = Graph().parse(data=response.data, format="turtle")
    actual = URIRef(B + "id/value/fy2023/kpi-3/actual-fy2023")
    assert g.value(actual, URIRef(DX + "value")) == Literal(Decimal(64169))
    assert (URIRef(B + "id/kpi/3"), URIRef(DX + "kpiNumber"), None) in g
