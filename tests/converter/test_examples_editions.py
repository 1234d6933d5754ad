"""The example queries (server/sparql/queries/*.rq) on two editions (issue 22): each one picks
the latest edition or groups by edition, and says which; none counts a project twice or
puts FY2023 and FY2024 values in one row.

Run on the two-edition build of tests/fixtures/fy2024 (FY2023 real, FY2024 fictional) and,
beside it, on the real one-edition build: tests/sparql/test_examples.py checks the rows
the report prints through ``/sparql``.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import URIRef

from converter.vocab import DX
from server.sparql.examples import load_examples
from server.stores.local import LocalStore

B = "https://data.pref.fukushima.lg.jp/dx/"
EXAMPLES = {e.id: e for e in load_examples()}
#: What an example's English title or description says about editions.
SAYS = ("latest edition", "by edition", "per edition", "across editions", "between editions",
        "every edition")  # fmt: skip
#: Examples that compare two editions in one row, by design.
COMPARING = {"12-revised-targets", "13-changes-of-the-latest-edition"}
Rows = list[dict[str, str]]


@pytest.fixture(scope="module")
def two(two_editions: Path) -> LocalStore:
    return LocalStore.from_build(two_editions)


@pytest.fixture(scope="module")
def one(dist_dir: Path) -> LocalStore:
    return LocalStore.from_build(dist_dir)


def rows(store: LocalStore, example: str) -> Rows:
    return [{k: str(v) for k, v in row.items()} for row in store.select(EXAMPLES[example].query)]


def editions_named(row: dict[str, str]) -> set[str]:
    """The editions whose resources (project, listing, value IRIs) a row names."""
    return {year for value in row.values() for year in re.findall(r"/fy(20\d\d)/", value)}


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_each_example_says_how_it_treats_editions(example: str) -> None:
    text = f"{EXAMPLES[example].title_en} {EXAMPLES[example].description_en}".lower()
    assert any(words in text for words in SAYS), text


@pytest.mark.parametrize("example", sorted(set(EXAMPLES) - COMPARING - {"10-kpi-3-graph"}))
def test_no_row_mixes_editions_or_repeats(two: LocalStore, example: str) -> None:
    found = rows(two, example)
    assert found
    assert [r for r in found if len(editions_named(r)) > 1] == []
    repeated = [row for row, n in Counter(tuple(sorted(r.items())) for r in found).items() if n > 1]
    assert repeated == []


LATEST = sorted(
    e for e in EXAMPLES if "latest edition" in EXAMPLES[e].title_en and e not in COMPARING
)


@pytest.mark.parametrize("example", LATEST)
def test_a_latest_edition_example_names_the_latest_edition_only(
    one: LocalStore, two: LocalStore, example: str
) -> None:
    assert {y for r in rows(two, example) for y in editions_named(r)} <= {"2024"}
    assert {y for r in rows(one, example) for y in editions_named(r)} <= {"2023"}


def test_unachieved_kpis_of_the_latest_edition(two: LocalStore) -> None:
    found = rows(two, "01-unachieved-kpis")
    # KPI 2 is achieved in the FY2024 edition; each other KPI once, with FY2024's values.
    assert [int(r["number"]) for r in found] == [4, 5, 12, 15, 16]
    assert {r["fiscalYear"] for r in found} == {"2024"}
    kpi4 = found[0]
    assert (Decimal(kpi4["target"]), Decimal(kpi4["actual"])) == (30, 12)


def test_projects_per_department_count_one_edition(one: LocalStore, two: LocalStore) -> None:
    def counts(store: LocalStore) -> dict[str, int]:
        return {
            r["departmentLabel"]: int(r["projects"])
            for r in rows(store, "02-projects-per-department")
        }

    before, after = counts(one), counts(two)
    assert sum(before.values()) == sum(after.values()) == 52 + 3  # not twice as many
    assert "土木部" in before and "土木部" not in after  # project 12 removed in FY2024
    assert after["総務部"] == before["総務部"] + 1  # project 53 added


def test_targets_and_actuals_are_grouped_by_edition(two: LocalStore) -> None:
    found = rows(two, "03-kpi-targets-and-actuals")
    assert len(found) == 2 * 19
    assert Counter((r["number"], r["editionYear"]) for r in found) == Counter(
        {(str(n), y): 1 for n in range(1, 20) for y in ("2023", "2024")}
    )
    kpi3 = {r["editionYear"]: r for r in found if r["number"] == "3"}
    values = ("baseline", "target", "actual", "target2025")
    assert {y: tuple(Decimal(r[k]) for k in values) for y, r in kpi3.items()} == {
        "2023": (14442, 30000, 64169, 70000),
        "2024": (14442, 68000, 69512, 75000),  # the revised FY2025 target, its own edition's
    }


def test_listings_of_the_latest_edition(two: LocalStore) -> None:
    found = rows(two, "04-listings-per-measure")
    projects = {r["project"] for r in found}
    assert len(projects) == 52 and len(found) == 65
    assert B + "id/project/fy2024/53" in projects and B + "id/project/fy2024/12" not in projects


def test_targets_by_year_of_the_latest_edition(two: LocalStore) -> None:
    found = rows(two, "05-targets-by-year")
    assert Counter((r["number"], r["fiscalYear"]) for r in found).most_common(1)[0][1] == 1
    kpi3 = {r["fiscalYear"]: Decimal(r["target"]) for r in found if r["number"] == "3"}
    assert kpi3 == {"2022": 24595, "2023": 30000, "2024": 68000, "2025": 75000}


def test_kpis_and_projects_of_the_latest_edition(two: LocalStore) -> None:
    found = rows(two, "07-kpis-and-their-projects")
    assert {int(r["number"]) for r in found} == set(range(1, 20))
    assert all(r["project"].startswith(B + "id/project/fy2024/") for r in found)
    several = rows(two, "06-projects-of-several-departments")
    assert [r["project"] for r in several] == [
        B + "id/project/fy2024/8",
        B + "id/project/fy2024/26",
        B + "id/project/fy2024/44",
    ]


def test_plan_counts_the_latest_editions_projects(one: LocalStore, two: LocalStore) -> None:
    def counts(store: LocalStore) -> dict[str, int]:
        return {r["code"]: int(r["projects"]) for r in rows(store, "08-plan-structure")}

    before, after = counts(one), counts(two)
    assert after["I-2-1"] == before["I-2-1"] - 1  # project 12, removed
    assert after["II-2-4"] == before["II-2-4"] + 1  # project 53, added
    assert {code for code in before if before[code] != after[code]} == {"I-2-1", "II-2-4"}


def test_units_and_directions_once_per_kpi(two: LocalStore) -> None:
    found = rows(two, "09-kpi-direction-and-units")
    assert [int(r["number"]) for r in found] == list(range(1, 20))


def test_the_construct_example_names_the_edition_of_each_value(two: LocalStore) -> None:
    graph = two.construct(EXAMPLES["10-kpi-3-graph"].query)
    values = set(graph.subjects(DX.refKpi, URIRef(B + "id/kpi/3")))
    assert {str(v).split("/")[-3] for v in values} == {"fy2023", "fy2024"}
    for value in values:
        (edition,) = graph.objects(value, DX.edition)
        assert str(edition).endswith(str(value).split("/")[-3]), value
