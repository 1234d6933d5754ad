"""Dereferencing: every IRI under the base resolves; pages show labels, values and the chart."""

from __future__ import annotations

import re

import pytest
from rdflib import Graph, URIRef

B = "https://data.pref.fukushima.lg.jp/dx/"


def _sample_iris(store) -> list[str]:  # type: ignore[no-untyped-def]
    """One IRI per kind of resource (``id/kpi``, ``id/project/fy2023``, …) in the data."""
    rows = store.select(
        f"SELECT DISTINCT ?x WHERE {{ {{ ?x ?p ?o }} UNION {{ ?s ?p ?x }} "
        f'FILTER(isIRI(?x) && STRSTARTS(STR(?x), "{B}id/")) }}'
    )
    kinds: dict[str, str] = {}
    for row in rows:
        iri = str(row["x"])
        kind = re.sub(r"/[^/]*$", "", iri[len(B) :])
        kinds.setdefault(kind, iri)
    return sorted(kinds.values())


def test_every_kind_of_iri_dereferences(client, store) -> None:  # type: ignore[no-untyped-def]
    iris = _sample_iris(store)
    assert len(iris) >= 8
    for iri in iris:
        path = "/" + iri[len(B) :]
        page = client.get(path, headers={"Accept": "text/html"})
        assert page.status_code == 200, path
        data = client.get(path, headers={"Accept": "text/turtle"})
        assert data.status_code == 200, path
        graph = Graph().parse(data=data.data, format="turtle")
        assert (URIRef(iri), None, None) in graph or (None, None, URIRef(iri)) in graph, path


@pytest.mark.parametrize("path", ["/id/kpi/2", "/id/project/fy2023/8"])
def test_direct_200_with_content_location_and_links(client, path: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["Content-Location"] == f"{path}.ttl"
    assert "Accept" in response.headers["Vary"]
    link = response.headers["Link"]
    assert f'<{path}.jsonld>; rel="alternate"; type="application/ld+json"' in link


def test_resource_rdf_is_cbd_with_labels(client) -> None:  # type: ignore[no-untyped-def]
    graph = Graph().parse(data=client.get("/id/kpi/3.ttl").data, format="turtle")
    kpi = URIRef(B + "id/kpi/3")
    assert set(graph.subjects()) - {kpi}, "linked resources carry their labels"
    # Symmetric: the links *to* the KPI (its values' dx:refKpi) are part of its description.
    assert all(kpi in (s, o) or p.endswith(("label", "prefLabel")) for s, p, o in graph)
    assert (None, URIRef(B + "ontology#refKpi"), kpi) in graph


@pytest.mark.parametrize(
    "path",
    [
        "/id/kpi/999999",
        "/id/nothing/here",
        "/id/kpi/2.xyz",
        "/id/%3E%20%3Cx",
        "/id/kpi/2%7D%20UNION%20%7B",
        "/graph/nope",
    ],
)
def test_unknown_resource_is_404(client, path: str) -> None:  # type: ignore[no-untyped-def]
    html = client.get(path, headers={"Accept": "text/html"})
    assert html.status_code == 404 and html.mimetype == "text/html"
    assert "404" in html.get_data(as_text=True)
    data = client.get(path, headers={"Accept": "application/json"})
    assert data.status_code == 404 and data.get_json()["ok"] is False


def test_kpi_3_page_table_and_chart(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/id/kpi/3").get_data(as_text=True)
    for printed in ("14,442", "70,000", "64,169"):
        assert printed in html.replace("14442", "14,442").replace("70000", "70,000").replace(
            "64169", "64,169"
        )
    assert "達成" in html
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'class="bar actual"' in svg and 'class="bar target"' in svg
    assert 'class="bar baseline"' in svg


def test_kpi_2_partially_achieved(client) -> None:  # type: ignore[no-untyped-def]
    assert "一部達成" in client.get("/id/kpi/2").get_data(as_text=True)


def test_project_8_has_two_departments(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/id/project/fy2023/8").get_data(as_text=True)
    assert 'href="/id/org/somu-bu"' in html
    assert len(re.findall(r'href="/id/org/[a-z-]+-bu"', html)) >= 2


def test_referenced_by(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/id/org/somu-bu").get_data(as_text=True)
    assert "参照元" in html and 'href="/id/project/fy2023/8"' in html


def test_links_point_to_this_host_data_stays_canonical(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/id/project/fy2023/8", base_url="http://staging.example:8080").get_data(
        as_text=True
    )
    assert f'href="{B}' not in html, "links must be rewritten to this server"
    assert B + "id/project/fy2023/8" in html, "the canonical IRI is still shown"
    turtle = client.get("/id/project/fy2023/8.ttl", base_url="http://staging.example:8080")
    assert b"staging.example" not in turtle.data and B.encode() in turtle.data


def test_language_switch(client) -> None:  # type: ignore[no-untyped-def]
    ja = client.get("/id/kpi/3").get_data(as_text=True)
    assert 'lang="ja"' in ja and "基準値" in ja and 'href="?lang=en"' in ja
    en = client.get("/id/kpi/3?lang=en")
    assert 'lang="en"' in en.get_data(as_text=True) and "Baseline" in en.get_data(as_text=True)
    assert "lang=en" in en.headers["Set-Cookie"]
    # The cookie keeps the choice on the next page.
    assert 'lang="en"' in client.get("/kpis").get_data(as_text=True)
    assert 'lang="ja"' in client.get("/kpis?lang=ja").get_data(as_text=True)


def test_accept_language(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert 'lang="en"' in page.get_data(as_text=True)
    assert "Accept-Language" in page.headers["Vary"]


def test_ontology_negotiation(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/ontology", headers={"Accept": "text/html"})
    assert html.status_code == 200 and html.mimetype == "text/html"
    turtle = client.get("/ontology", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=turtle.data, format="turtle")
    assert (None, None, URIRef("http://www.w3.org/2002/07/owl#Class")) in graph


@pytest.mark.parametrize("fmt", ["text/turtle", "application/n-triples"])
def test_named_graph(client, fmt: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/graph/catalog", headers={"Accept": fmt})
    assert response.status_code == 200 and response.mimetype == fmt


@pytest.mark.parametrize("edition", ["fy2023", "fy2024"])
def test_an_editions_description_types_its_series(two_client, edition: str) -> None:  # type: ignore[no-untyped-def]
    """DCAT-AP 3 gives dcat:inSeries the range dcat:DatasetSeries: a harvester reading one
    edition's description alone sees the series typed (issue 22: stated completely)."""
    from rdflib import Graph, URIRef
    from rdflib.namespace import RDF

    dcat = "http://www.w3.org/ns/dcat#"
    answer = two_client.get(f"/id/dataset/dx-kpi/{edition}", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=answer.get_data(as_text=True), format="turtle")
    series = list(graph.objects(None, URIRef(dcat + "inSeries")))
    assert series, "the edition names its series"
    for found in series:
        assert (found, RDF.type, URIRef(dcat + "DatasetSeries")) in graph
