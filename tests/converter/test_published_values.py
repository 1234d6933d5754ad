"""Real published values, asserted through SPARQL over the built graph."""

from __future__ import annotations

import pyoxigraph as ox

from tests.converter.conftest import select


def value(store: ox.Store, kpi: int, kind: str, period: str = "") -> dict[str, str]:
    rows = select(
        store,
        f"""
        SELECT ?value ?notation ?qualifier ?unit ?evaluation ?note WHERE {{
          <value/fy2023/kpi-{kpi}/{kind}{period}> dx:notation ?notation .
          OPTIONAL {{ <value/fy2023/kpi-{kpi}/{kind}{period}> dx:value ?value }}
          OPTIONAL {{ <value/fy2023/kpi-{kpi}/{kind}{period}> dx:qualifier ?qualifier }}
          OPTIONAL {{ <value/fy2023/kpi-{kpi}/{kind}{period}>
                        <http://purl.org/linked-data/sdmx/2009/attribute#unitMeasure> ?unit }}
          OPTIONAL {{ <value/fy2023/kpi-{kpi}/{kind}{period}> dx:evaluation ?evaluation }}
          OPTIONAL {{ <value/fy2023/kpi-{kpi}/{kind}{period}> dx:note ?note }}
        }}""",
    )
    assert len(rows) == 1, rows
    return rows[0]


def test_counts(oxi: ox.Store) -> None:
    rows = select(
        oxi,
        """SELECT
        (COUNT(DISTINCT ?p) AS ?projects) (COUNT(DISTINCT ?k) AS ?kpis) WHERE {
          { ?p a dx:Project } UNION { ?k a dx:Kpi } }""",
    )
    assert rows == [{"projects": "52", "kpis": "19"}]
    relisted = select(oxi, "SELECT (COUNT(*) AS ?n) WHERE { ?l dx:isRelisting true }")
    assert relisted == [{"n": "13"}]
    listings = select(oxi, "SELECT (COUNT(*) AS ?n) WHERE { ?l a dx:Listing }")
    assert listings == [{"n": "65"}]


def test_kpi_3_values_and_evaluation(oxi: ox.Store) -> None:
    assert value(oxi, 3, "baseline")["value"] == "14442"
    assert value(oxi, 3, "target", "-fy2025")["value"] == "70000"
    actual = value(oxi, 3, "actual", "-fy2023")
    assert actual["value"] == "64169"
    assert actual["notation"] == "64,169"
    assert actual["evaluation"].endswith("#Achieved")
    label = select(
        oxi,
        """SELECT ?l WHERE { dx:Achieved skos:prefLabel ?l
                                              FILTER(lang(?l) = "ja") }""",
    )
    assert label == [{"l": "達成"}]


def test_kpi_6_copy_paper_lower_is_better(oxi: ox.Store) -> None:
    baseline = value(oxi, 6, "baseline")
    assert baseline["value"] == "40000000"
    assert baseline["notation"] == "40百万枚"
    assert baseline["unit"] == "http://qudt.org/vocab/unit/NUM"
    direction = select(
        oxi,
        "SELECT ?d ?u WHERE { <kpi/6> dx:direction ?d ; dx:unitLabel ?u FILTER(lang(?u) = 'ja') }",
    )
    assert direction == [
        {"d": "https://data.pref.fukushima.lg.jp/dx/ontology#LowerIsBetter", "u": "枚"}
    ]


def test_kpi_16_approximate_targets_and_noted_actual(oxi: ox.Store) -> None:
    for year in (2022, 2023, 2024, 2025):
        target = value(oxi, 16, "target", f"-fy{year}")
        assert target["notation"] == "ほぼ100%"
        assert target["value"] == "100"
        assert target["qualifier"].endswith("#Approximately")
        assert target["unit"] == "http://qudt.org/vocab/unit/PERCENT"
    actual = value(oxi, 16, "actual", "-fy2023")
    assert (actual["value"], actual["note"]) == ("74", "人口に対する保有枚数率")
    assert actual["notation"] == "人口に対する保有枚数率：74％"
    assert actual["evaluation"].endswith("#PartiallyAchieved")


def test_kpi_12_at_least_and_missing_baseline(oxi: ox.Store) -> None:
    baseline = value(oxi, 12, "baseline")
    assert baseline["notation"] == "-" and "value" not in baseline
    target = value(oxi, 12, "target", "-fy2025")
    assert (target["value"], target["qualifier"].rsplit("#")[1]) == ("4", "AtLeast")
    no_obs = select(
        oxi,
        "ASK { <value/fy2023/kpi-12/baseline> a qb:Observation }".replace(
            "ASK", "SELECT (COUNT(*) AS ?n) WHERE"
        ),
    )
    assert no_obs == [{"n": "0"}]


def test_project_8_has_two_departments(oxi: ox.Store) -> None:
    rows = select(
        oxi,
        """SELECT ?name WHERE { <project/fy2023/8> dx:department ?d .
                            ?d schema:name ?name FILTER(lang(?name) = "ja") } ORDER BY ?name""",
    )
    assert sorted(r["name"] for r in rows) == ["企画調整部", "総務部"]
    divisions = select(
        oxi,
        """SELECT ?name ?parent WHERE { <project/fy2023/8> dx:division ?d .
        ?d schema:name ?name ; org:subOrganizationOf/schema:name ?parent
        FILTER(lang(?name) = "ja" && lang(?parent) = "ja") }""",
    )
    assert {(r["name"], r["parent"]) for r in divisions} == {
        ("行政経営課", "総務部"),
        ("デジタル変革課", "企画調整部"),
    }


def test_kpi_2_carried_by_project_8_and_relisted(oxi: ox.Store) -> None:
    carried = select(oxi, "SELECT ?p WHERE { <kpi/2> dx:carriedBy ?p }")
    assert carried == [{"p": "https://data.pref.fukushima.lg.jp/dx/id/project/fy2023/8"}]
    relistings = select(
        oxi,
        """SELECT ?code ?project WHERE {
        ?l dx:kpi <kpi/2> ; dx:isKpiRelisting true ; dx:planItem/dx:planCode ?code ;
           dx:project/dx:projectNumber ?project } ORDER BY ?code""",
    )
    # Printed three more times: in project 10's row and in two 再掲 rows of project 10.
    assert [(r["code"], r["project"]) for r in relistings] == [
        ("I-2-1", "10"),
        ("II-1-5", "10"),
        ("II-2-1", "10"),
    ]
    items = select(
        oxi, "SELECT ?code WHERE { <kpi/2> dx:planItem/dx:planCode ?code } ORDER BY ?code"
    )
    assert [r["code"] for r in items] == ["I-2-1", "II-1-5", "II-2-1"]
    projects = select(
        oxi,
        "SELECT (COUNT(?p) AS ?n) WHERE { ?p a dx:Project ; "
        "schema:name ?name FILTER(CONTAINS(?name, 'オールふくしま')) }",
    )
    assert projects == [{"n": "2"}]  # projects 10 and 52, not one per re-listing


def test_relisting_never_creates_a_project(oxi: ox.Store) -> None:
    rows = select(
        oxi,
        """SELECT ?n (COUNT(?l) AS ?listings) WHERE {
        ?p dx:projectNumber ?n ; dx:listing ?l } GROUP BY ?n HAVING (COUNT(?l) > 1)
        ORDER BY ?n""",
    )
    assert {r["n"]: r["listings"] for r in rows} == {
        "4": "3",
        "10": "3",
        "11": "2",
        "46": "4",
        "49": "3",
        "52": "4",
    }


def test_plan_hierarchy(oxi: ox.Store) -> None:
    rows = select(
        oxi,
        """SELECT ?name ?parent WHERE { <plan/I-3-6-a> skos:prefLabel ?name ;
        skos:broader/skos:prefLabel ?parent FILTER(lang(?name) = "ja" && lang(?parent) = "ja")}""",
    )
    assert rows == [{"name": "議事録の作成支援", "parent": "ＡＩの活用"}]
    tops = select(oxi, "SELECT ?t WHERE { <plan> skos:hasTopConcept ?t } ORDER BY ?t")
    assert [r["t"].rsplit("/", 1)[1] for r in tops] == ["I", "II"]


def test_fiscal_year_is_owl_time_interval(oxi: ox.Store) -> None:
    rows = select(
        oxi,
        """SELECT ?ja ?en ?start ?end WHERE { <fiscal-year/2023> rdfs:label ?ja,
        ?en ; time:hasBeginning/time:inXSDDate ?start ; time:hasEnd/time:inXSDDate ?end
        FILTER(lang(?ja) = "ja" && lang(?en) = "en") }""",
    )
    assert rows == [{"ja": "令和5年度", "en": "FY2023", "start": "2023-04-01", "end": "2024-03-31"}]


def test_fifth_star_links(oxi: ox.Store) -> None:
    rows = select(
        oxi,
        """SELECT ?area ?sac WHERE { <org/fukushima-prefecture>
                           <http://purl.org/dc/terms/spatial> ?area ;
                           dx:standardAreaCode ?sac }""",
    )
    assert rows == [
        {
            "area": "http://www.wikidata.org/entity/Q71707",
            "sac": "http://data.e-stat.go.jp/lod/sac/C07000",
        }
    ]


def test_the_prefecture_is_not_declared_the_same_as_a_place(oxi: ox.Store) -> None:
    """The organisation governs the area; Wikidata's item is the place (a dct:Location in the
    catalog), so no identity link joins them (owl:sameAs would merge an org with a place)."""
    same = select(
        oxi,
        """SELECT ?p ?o WHERE { VALUES ?p { owl:sameAs schema:sameAs }
                               { <org/fukushima-prefecture> ?p ?o } UNION
                               { ?o ?p <org/fukushima-prefecture> } }""",
    )
    assert same == []
    location = select(
        oxi,
        """SELECT ?t WHERE { <http://www.wikidata.org/entity/Q71707> a ?t }""",
    )
    assert location == [{"t": "http://purl.org/dc/terms/Location"}]


def test_every_value_keeps_its_notation(oxi: ox.Store) -> None:
    rows = select(
        oxi,
        """SELECT (COUNT(?v) AS ?n) WHERE { ?v a dx:KpiValue
                           FILTER NOT EXISTS { ?v dx:notation ?x } }""",
    )
    assert rows == [{"n": "0"}]
    cells = select(oxi, "SELECT (COUNT(?v) AS ?n) WHERE { ?v a dx:KpiValue }")
    assert cells == [{"n": str(19 * 6)}]
