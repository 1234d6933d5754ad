"""Editions as a series: the DCAT 3 series, values merged across editions, the changes
graph, the example queries on a two-edition build, and FY2023 left exactly as it was.

The second edition is the fictional FY2024 of ``tests/fixtures/fy2024`` (test data only).
"""

from __future__ import annotations

import csv
import re
import tomllib
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from converter.contract import Manifest
from converter.queries import named_graph_query
from converter.validate import validate
from converter.vocab import DCAT3 as DCAT
from converter.vocab import DX
from server.sparql.examples import load_examples
from server.stores.local import LocalStore
from tests.conftest import PUBLICATION, ROOT
from tests.fixtures.fy2024 import FIXTURE, FIXTURE_PUBLICATION

B = "https://data.pref.fukushima.lg.jp/dx/"
ID = B + "id/"
EXAMPLES = {e.id: e.query for e in load_examples()}


@pytest.fixture(scope="module")
def store(two_editions: Path) -> LocalStore:
    return LocalStore.from_build(two_editions)


def rows(store: LocalStore, example: str) -> list[dict[str, str]]:
    return [{k: str(v) for k, v in row.items()} for row in store.select(EXAMPLES[example])]


def graph(dist: Path, name: str) -> Graph:
    return Graph().parse(dist / "graphs" / f"{name}.nt", format="nt")


# ---- the fixture is test data, and stays out of the real build ----


def _invented_cells() -> set[str]:
    """The fixture's cells that the real FY2023 table prints nowhere (its invented values)."""
    real = (ROOT / "data" / "dx-kpi-fy2023.csv").read_text("utf-8")
    with (FIXTURE / "dx-kpi-fy2024.csv").open(encoding="utf-8", newline="") as file:
        cells = {cell for row in csv.reader(file) for cell in row if cell}
    return {cell for cell in cells if cell not in real}


def test_fixture_says_it_is_test_data() -> None:
    config = tomllib.loads(FIXTURE_PUBLICATION.read_text("utf-8"))
    real = tomllib.loads(PUBLICATION.read_text("utf-8"))
    fy2024 = [e for e in config["editions"] if e["fiscal_year"] == 2024]
    assert len(fy2024) == 1 and "テスト用" in fy2024[0]["title_ja"]
    assert "TEST DATA" in fy2024[0]["title_en"]
    assert "架空" in (FIXTURE / "README.md").read_text("utf-8")
    # The fixture republishes the real settings and edition, not a variant of them.
    assert config["dataset"] == real["dataset"]
    fy2023 = next(e for e in config["editions"] if e["fiscal_year"] == 2023)
    assert {k: v for k, v in fy2023.items() if k != "table"} == {
        k: v for k, v in real["editions"][0].items() if k != "table"
    }
    assert "fixtures" not in PUBLICATION.read_text("utf-8")


def test_the_real_build_contains_no_fixture_value(dist_dir: Path) -> None:
    invented = _invented_cells()
    assert {
        "69,512",
        "75000",
        "74.0%",
        "【テスト用】架空の新規事業（生成ＡＩの試行導入）",
    } <= invented
    assert Manifest.read(dist_dir).editions == (2023,)
    for path in sorted(p for p in dist_dir.rglob("*") if p.is_file()):
        text = path.read_text("utf-8")
        # Short cells ("53", "12%") occur inside other text; the store check below is exact.
        found = sorted(cell for cell in invented if len(cell) >= 4 and cell in text)
        assert not found, f"{path.relative_to(dist_dir)} holds fixture values {found[:5]}"
        assert not re.search(r"/fy2024\b", text) and "テスト用" not in text, path
    listed = ", ".join(f'"{c}"' for c in sorted(invented))
    hits = LocalStore.from_build(dist_dir).select(
        "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> "
        "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> "
        "SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o FILTER (isLiteral(?o) && datatype(?o) IN "
        f"(rdf:langString, xsd:string) && str(?o) IN ({listed})) }} }}"
    )
    assert hits == []


# ---- the series ----


def test_two_editions_form_a_series(two_editions: Path) -> None:
    series = graph(two_editions, "series")
    s = URIRef(ID + "dataset/dx-kpi")
    fy2023, fy2024 = URIRef(ID + "dataset/dx-kpi/fy2023"), URIRef(ID + "dataset/dx-kpi/fy2024")
    assert (s, RDF.type, DCAT.DatasetSeries) in series
    assert set(series.objects(s, DCAT.hasVersion)) == {fy2023, fy2024}
    assert series.value(s, DCAT.hasCurrentVersion) == fy2024
    assert (series.value(s, DCAT.first), series.value(s, DCAT.last)) == (fy2023, fy2024)
    assert series.value(fy2024, DCAT.previousVersion) == fy2023
    assert series.value(fy2023, DCAT.previousVersion) is None
    assert [str(series.value(e, DCAT.version)) for e in (fy2023, fy2024)] == ["FY2023", "FY2024"]
    assert set(series.subjects(DCAT.inSeries, s)) == {fy2023, fy2024}
    assert series.value(URIRef(ID + "dataset/dx-kpi/latest"), OWL.sameAs) == fy2024
    # /catalog keeps one dcat:Dataset for portals; the editions are not in it.
    catalog = graph(two_editions, "catalog")
    assert set(catalog.subjects(RDF.type, DCAT.Dataset)) == {s}


def test_one_edition_is_a_series_of_one(dist_dir: Path) -> None:
    series = graph(dist_dir, "series")
    s, fy2023 = URIRef(ID + "dataset/dx-kpi"), URIRef(ID + "dataset/dx-kpi/fy2023")
    assert set(series.objects(s, DCAT.hasVersion)) == {fy2023}
    assert series.value(s, DCAT.hasCurrentVersion) == fy2023
    assert series.value(URIRef(ID + "dataset/dx-kpi/latest"), OWL.sameAs) == fy2023
    graphs = {g.iri for g in Manifest.read(dist_dir).graphs}
    assert B + "graph/series" in graphs and B + "graph/changes" not in graphs


@pytest.mark.parametrize(
    "path", ["dataset/dx-kpi/latest", "dataset/dx-kpi/fy2024", "dataset/dx-kpi", "change/fy2024/4"]
)
def test_series_iris_dereference(two_editions: Path, store: LocalStore, path: str) -> None:
    from server.app import create_app

    app = create_app({"TESTING": True, "DIST_DIR": str(two_editions)}, store=store)
    client = app.test_client()
    response = client.get(f"/id/{path}", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    described = Graph().parse(data=response.data, format="turtle")
    assert len(list(described.predicate_objects(URIRef(ID + path)))) >= 3
    assert client.get(f"/id/{path}", headers={"Accept": "text/html"}).status_code == 200


# ---- values merged across editions ----


def test_actuals_of_kpi_3_across_editions(store: LocalStore) -> None:
    found = rows(store, "11-kpi-3-actuals-by-edition")
    assert [(r["fiscalYear"], r["notation"], r["edition"]) for r in found] == [
        ("2023", "64,169", ID + "report/fy2023"),
        ("2024", "69,512", ID + "report/fy2024"),
    ]
    assert [Decimal(r["value"]) for r in found] == [64169, 69512]


def test_a_revised_target_keeps_both_values(store: LocalStore) -> None:
    found = rows(store, "12-revised-targets")
    assert [(r["number"], r["fiscalYear"], r["before"], r["after"]) for r in found] == [
        ("3", "2025", "70000", "75000")
    ]
    assert found[0]["previous"] == ID + "value/fy2023/kpi-3/target-fy2025"
    assert found[0]["current"] == ID + "value/fy2024/kpi-3/target-fy2025"


def test_every_value_names_its_edition(two_editions: Path) -> None:
    for year in (2023, 2024):
        g = graph(two_editions, f"fy{year}")
        values = set(g.subjects(RDF.type, DX.KpiValue))
        assert len(values) == 19 * 6
        report = URIRef(f"{ID}report/fy{year}")
        assert all(g.value(v, DX.edition) == report for v in values)
        assert all(
            g.value(v, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")) == report for v in values
        )


# ---- the changes ----

EXPECTED_CHANGES = [
    ("ProjectAdded", None, "project/fy2024/53", None),
    ("ProjectRemoved", "project/fy2023/12", None, None),
    ("ProjectRenamed", "project/fy2023/7", "project/fy2024/7", None),
    ("TargetRevised", "value/fy2023/kpi-3/target-fy2025", "value/fy2024/kpi-3/target-fy2025", 3),
    (
        "EvaluationChanged",
        "value/fy2023/kpi-2/actual-fy2023",
        "value/fy2024/kpi-2/actual-fy2024",
        2,
    ),
] + [("ActualAdded", None, f"value/fy2024/kpi-{n}/actual-fy2024", n) for n in range(1, 20)]


def test_changes_of_the_latest_edition(store: LocalStore) -> None:
    found = rows(store, "13-changes-of-the-latest-edition")
    short = [
        (
            r["type"].removeprefix(str(DX)),
            r.get("previous", "").removeprefix(ID) or None,
            r.get("current", "").removeprefix(ID) or None,
            int(r["subject"].rsplit("/", 1)[1]) if "subject" in r else None,
        )
        for r in found
    ]
    assert short == EXPECTED_CHANGES
    assert [int(r["n"]) for r in found] == list(range(1, 25))
    assert [r["change"] for r in found[:2]] == [ID + "change/fy2024/1", ID + "change/fy2024/2"]
    by_type = {r["type"].removeprefix(str(DX)): r for r in found}
    assert (by_type["TargetRevised"]["before"], by_type["TargetRevised"]["after"]) == (
        "70000",
        "75000",
    )
    assert (by_type["EvaluationChanged"]["before"], by_type["EvaluationChanged"]["after"]) == (
        "△（一部達成）",
        "○（達成）",
    )
    assert by_type["ProjectRenamed"]["after"].endswith("（テスト用に改称）")
    assert by_type["ProjectAdded"]["typeLabel"] == "事業の追加"
    assert by_type["TargetRevised"]["label"] == "KPI3 令和7年度目標値を改定：70000 → 75000"


def test_change_labels_in_english_say_what_changed(two_editions: Path) -> None:
    changes = graph(two_editions, "changes")
    labels = {
        str(o)
        for s in changes.subjects(RDF.type, DX.Change)
        for o in changes.objects(s, RDFS.label)
        if isinstance(o, Literal) and o.language == "en"
    }
    assert len(labels) == len(EXPECTED_CHANGES)
    assert "KPI 2 evaluation changed from partially achieved to achieved in the FY2024 edition" in (
        labels
    )
    assert "Project 53 added in the FY2024 edition" in labels
    assert all(label.isascii() for label in labels)  # English text, no quoted Japanese


def test_the_real_build_lists_no_changes(local_store: LocalStore) -> None:
    assert rows(local_store, "13-changes-of-the-latest-edition") == []
    assert [r["editionYear"] for r in rows(local_store, "11-kpi-3-actuals-by-edition")] == ["2023"]


# ---- FY2023 is left exactly as it was ----


def _by_subject(g: Graph) -> dict[Any, set[tuple[Any, Any]]]:
    found: dict[Any, set[tuple[Any, Any]]] = defaultdict(set)
    for s, p, o in g:
        found[s].add((p, o))
    return found


def test_every_fy2023_subject_keeps_its_description(dist_dir: Path, two_editions: Path) -> None:
    alone, both = graph(dist_dir, "fy2023"), graph(two_editions, "fy2023")
    before, after = _by_subject(alone), _by_subject(both)
    assert len(before) > 300
    changed = [s for s in before if before[s] != after.get(s)]
    assert changed == [], changed[:5]
    assert set(after) == set(before)
    # and as the store serves it: the FY2023 graph of each store, triple for triple
    query = named_graph_query(f"{B}graph/fy2023")
    served = [set(LocalStore.from_build(d).construct(query)) for d in (dist_dir, two_editions)]
    assert served[0] == served[1] and len(served[0]) == len(alone)


# ---- the gate and the standards ----


def test_data_cube_constraints_hold_for_two_editions(two_editions: Path) -> None:
    from tests.converter.test_data_cube import CUBE, ICS

    if not ICS:
        pytest.skip(f"Data Cube ICs not found under {CUBE}")
    cube = ox.Store()
    cube.bulk_load(path=str(two_editions / "download" / "dx-kpi.nt"))
    cube.bulk_load(path=str(two_editions / "download" / "ontology.ttl"))
    prefixes = (CUBE / "prefixes.rq").read_text("utf-8")
    for phase in ("normalize-phase-1.ru", "normalize-phase-2.ru"):
        cube.update(prefixes + (CUBE / phase).read_text("utf-8"))
    violated = [n for n in ICS if cube.query(prefixes + (CUBE / n).read_text("utf-8"))]
    assert violated == []


def test_series_conforms_to_dcat_ap(two_editions: Path) -> None:
    import pyshacl

    from tests.support.dcat_ap import dcat_ap_shapes

    union = graph(two_editions, "catalog") + graph(two_editions, "series")
    conforms, _, text = pyshacl.validate(
        union, shacl_graph=dcat_ap_shapes(), inference="none", allow_warnings=True
    )
    assert conforms, text


def _union(dist: Path) -> Graph:
    return sum(
        (graph(dist, n) for n in ("fy2023", "fy2024", "catalog", "series", "changes")), Graph()
    )


def test_the_gate_checks_series_and_changes(two_editions: Path) -> None:
    union = _union(two_editions)
    assert validate(union).conforms
    s, change = URIRef(ID + "dataset/dx-kpi"), URIRef(ID + "change/fy2024/4")
    union.remove((s, DCAT.hasCurrentVersion, None))
    union.remove((change, DX.changeType, None))
    union.add((change, DX.subject, URIRef(ID + "project/fy2024/8")))  # not a KPI
    union.add(
        (URIRef(ID + "dataset/stray"), RDF.type, DCAT.Dataset)
    )  # neither listed nor an edition
    union.remove((URIRef(ID + "value/fy2024/kpi-3/baseline"), DX.edition, None))
    found = {(str(v.focus), v.path) for v in validate(union).violations}
    assert found == {
        (str(s), str(DCAT.hasCurrentVersion)),
        (str(change), str(DX.changeType)),
        (str(change), str(DX.subject)),
        (ID + "dataset/stray", ""),
        (ID + "value/fy2024/kpi-3/baseline", str(DX.edition)),
    }, found


def test_editions_share_no_triple(two_editions: Path) -> None:
    """KPIs, plan items and organisations are stated by FY2023 only: the default graph
    (the union) counts each triple once."""
    from converter.mapping import shared_triples

    names = ("fy2023", "fy2024", "catalog", "series", "changes", "ontology")
    assert shared_triples({n: graph(two_editions, n) for n in names}) == {}
    fy2024 = graph(two_editions, "fy2024")
    kpi3 = URIRef(ID + "kpi/3")
    assert (kpi3, DX.carriedBy, URIRef(ID + "project/fy2024/14")) in fy2024  # what is new
    assert (kpi3, RDF.type, DX.Kpi) not in fy2024  # what FY2023 already states


def test_a_portal_still_harvests_one_dataset(two_editions: Path) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # ckan's own imports
        pytest.importorskip("ckanext.dcat")
        from ckanext.dcat.processors import RDFParser

        parser = RDFParser(profiles=["euro_dcat_ap_3"])
        parser.parse((two_editions / "download" / "catalog.rdf").read_bytes(), _format="xml")
        datasets = list(parser.datasets())
    assert [d["extras"] for d in datasets] and len(datasets) == 1
    names = {r["url"].rsplit("/", 1)[1] for r in datasets[0]["resources"]}
    assert {"dx-kpi-fy2023.csv", "dx-kpi-fy2024.csv"} <= names


def test_the_contract_queries_answer(store: LocalStore) -> None:
    """Every query of docs/editions.md (the contract with the pages) runs and answers."""
    from converter.vocab import sparql_prefixes

    text = (ROOT / "docs" / "editions.md").read_text("utf-8")
    queries = re.findall(r"```sparql\n(.*?)```", text, flags=re.S)
    assert len(queries) == 3
    answers = [store.select(sparql_prefixes() + query) for query in queries]
    editions, values, changes = answers
    assert [(str(r["version"]), bool(r["current"].toPython())) for r in editions] == [
        ("FY2023", False),
        ("FY2024", True),
    ]
    assert {(str(r["editionYear"]), str(r["notation"])) for r in values} >= {
        ("2023", "64,169"),
        ("2024", "69,512"),
        ("2023", "70000"),
        ("2024", "75000"),
    }
    assert len(changes) == len(EXPECTED_CHANGES)
