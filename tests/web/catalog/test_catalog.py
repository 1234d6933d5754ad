"""The portal listing: DCAT-AP 3 conformance, a ckanext-dcat harvest, VoID, CKAN JSON."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, PROV, RDF, VOID

from tests.support.dcat_ap import dcat_ap_shapes

B = "https://data.pref.fukushima.lg.jp/dx/"
PDL = "https://www.digital.go.jp/resources/open_data/public_data_license_v1.0"


def _catalog(client) -> Graph:  # type: ignore[no-untyped-def]
    response = client.get("/catalog", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    return Graph().parse(data=response.data, format="turtle")


def test_catalog_conforms_to_dcat_ap_3(client) -> None:  # type: ignore[no-untyped-def]
    conforms, _, text = pyshacl.validate(
        _catalog(client), shacl_graph=dcat_ap_shapes(), inference="none", allow_warnings=True
    )
    assert conforms, text


def test_catalog_lists_downloads_and_endpoint(client) -> None:  # type: ignore[no-untyped-def]
    graph = _catalog(client)
    assert (URIRef(B + "catalog"), None, DCAT.Catalog) in graph
    urls = {str(u) for u in graph.objects(None, DCAT.downloadURL)}
    assert B + "download/dx-kpi.ttl" in urls and B + "download/dx-kpi-fy2023.csv" in urls
    for url in urls:  # every advertised download is served here
        assert client.get("/" + url[len(B) :]).status_code == 200, url
    assert list(graph.objects(None, DCAT.endpointURL))
    assert all(
        list(graph.objects(d, DCAT.mediaType)) for d in graph.subjects(None, DCAT.Distribution)
    )


@pytest.fixture(scope="module")
def ckan_licences(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A licence register like a Japanese CKAN portal's, which knows PDL1.0 by its URL."""
    path = tmp_path_factory.mktemp("ckan") / "licenses.json"
    path.write_text(
        json.dumps(
            [
                {"id": "PDL1.0", "title": "公共データ利用規約（第1.0版）", "url": PDL},
                {
                    "id": "CC-BY-4.0",
                    "title": "クリエイティブ・コモンズ 表示 4.0 国際",
                    "url": "https://creativecommons.org/licenses/by/4.0/",
                },
            ],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    return path


def _ckan():  # type: ignore[no-untyped-def]
    """ckan's config, munge and ckanext-dcat's parser; they import deprecated stdlib modules."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        pytest.importorskip("ckanext.dcat")
        from ckan.common import config
        from ckan.lib.munge import munge_title_to_name
        from ckanext.dcat.processors import RDFParser
    return config, munge_title_to_name, RDFParser


def _harvest(client, licences: Path | None) -> dict:  # type: ignore[no-untyped-def]
    config, _, RDFParser = _ckan()
    previous = config.get("licenses_group_url")
    config["licenses_group_url"] = f"file://{licences}" if licences else ""
    try:
        with warnings.catch_warnings():
            # ckanext-dcat uses APIs its dependencies deprecate; not ours to fix.
            warnings.simplefilter("ignore", DeprecationWarning)
            parser = RDFParser(profiles=["euro_dcat_ap_3"])
            parser.parse(client.get("/catalog.rdf").data, _format="xml")
            datasets = list(parser.datasets())
    finally:
        config["licenses_group_url"] = previous or ""
    assert len(datasets) == 1
    return datasets[0]  # type: ignore[no-any-return]


def test_ckanext_dcat_harvest(client, ckan_licences: Path) -> None:  # type: ignore[no-untyped-def]
    munge_title_to_name = _ckan()[1]
    dataset = _harvest(client, ckan_licences)
    # ckanext-dcat's harvester names the dataset from the title: it must be readable ASCII.
    name = munge_title_to_name(dataset["title"])
    assert dataset["title"].isascii() and len(name) > 10 and "fukushima" in name, name
    assert dataset["license_id"] == "PDL1.0"
    assert dataset["notes"]
    # ckanext-dcat keeps the IRIs: dct:format (EU file type) if given, else dcat:mediaType.
    media = {r.get("mimetype") or r["format"] for r in dataset["resources"]}
    assert "http://www.iana.org/assignments/media-types/text/turtle" in media
    for resource in dataset["resources"]:
        assert resource["url"].startswith(B + "download/")
        assert resource["format"].startswith("http"), resource
        assert client.get("/" + resource["url"][len(B) :]).status_code == 200
    extras = {e["key"]: e["value"] for e in dataset["extras"]}
    assert extras["uri"].startswith(B + "id/dataset/")


def test_stock_ckan_register_does_not_know_pdl(client) -> None:  # type: ignore[no-untyped-def]
    """Documented limitation: a CKAN with the default licence list leaves license_id empty."""
    assert _harvest(client, None)["license_id"] == ""


def test_ckan_json_matches_harvest_name(client, ckan_licences: Path) -> None:  # type: ignore[no-untyped-def]
    munge_title_to_name = _ckan()[1]
    package = client.get("/catalog/ckan.json").get_json()
    assert package["name"] == munge_title_to_name(_harvest(client, ckan_licences)["title"])
    assert {"license_id", "title", "notes", "resources", "extras"} <= set(package)


@pytest.mark.parametrize("accept", ["text/turtle", "application/ld+json", "application/rdf+xml"])
def test_void(client, accept: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/.well-known/void", headers={"Accept": accept})
    assert response.status_code == 200
    fmt = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/rdf+xml": "xml"}[
        accept
    ]
    graph = Graph().parse(data=response.data, format=fmt)
    dataset = URIRef(B + "id/dataset/dx-kpi")
    assert (dataset, None, VOID.Dataset) in graph
    assert str(next(graph.objects(dataset, VOID.sparqlEndpoint))).endswith("sparql")
    dumps = {str(d) for d in graph.objects(dataset, VOID.dataDump)}
    assert B + "download/dx-kpi.ttl" in dumps and not any(d.endswith(".csv") for d in dumps)
    assert Literal(B + "id/") in set(graph.objects(dataset, VOID.uriSpace))
    triples = list(graph.objects(dataset, VOID.triples))
    assert len(triples) == 1 and int(triples[0]) > 100
    vocabularies = {str(v) for v in graph.objects(dataset, VOID.vocabulary)}
    assert (
        B + "ontology#" in vocabularies and "http://www.w3.org/2004/02/skos/core#" in vocabularies
    )


def _graph(*paths: Path) -> Graph:
    graph = Graph()
    for path in paths:
        graph.parse(path, format="nt")
    return graph


def test_catalog_graph_alone_conforms_to_our_shapes(client, dist_dir: Path) -> None:  # type: ignore[no-untyped-def]
    """The published catalog (file and /catalog) passes the published shapes on its own:
    the reports it derives from are described in the edition graphs, not repeated here."""
    from converter.validate import validate

    for graph in (_graph(dist_dir / "graphs" / "catalog.nt"), _catalog(client)):
        report = validate(graph)
        assert report.conforms, report.text()


def test_data_and_catalog_conform_to_our_shapes(dist_dir: Path) -> None:
    from converter.validate import validate

    report = validate(_graph(*sorted((dist_dir / "graphs").glob("*.nt"))))
    assert report.conforms, report.text()


def test_shapes_still_check_the_lineage(dist_dir: Path) -> None:
    """A derivation that is not a report, or an activity on the dataset, is refused."""
    from converter.validate import validate

    dataset, kpi = URIRef(B + "id/dataset/dx-kpi"), URIRef(B + "id/kpi/2")
    not_a_report = URIRef(B + "id/report/fy2099")  # a report's IRI, described as a KPI
    wrong = _graph(*sorted((dist_dir / "graphs").glob("*.nt")))
    wrong.add((not_a_report, RDF.type, next(wrong.objects(kpi, RDF.type))))
    for source in (kpi, not_a_report):
        wrong.add((dataset, PROV.wasDerivedFrom, source))
    wrong.add((dataset, PROV.wasGeneratedBy, URIRef(B + "id/activity/build")))
    findings = {(f.path, f.value) for f in validate(wrong).violations}
    assert findings == {
        (str(PROV.wasDerivedFrom), str(kpi)),
        (str(PROV.wasDerivedFrom), str(not_a_report)),
        (str(PROV.wasGeneratedBy), ""),  # sh:maxCount 0 reports no value node
    }, findings


def test_catalog_keeps_the_lineage(client) -> None:  # type: ignore[no-untyped-def]
    """Dataset ← reports (prov:wasDerivedFrom); its RDF dumps ← the conversion, which used
    the reports, the source tables and the ontology."""
    graph = _catalog(client)
    rows = graph.query(
        """PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dcat: <http://www.w3.org/ns/dcat#>
        SELECT ?report ?activity WHERE {
          ?dataset a dcat:Dataset ; prov:wasDerivedFrom ?report ;
                   dcat:distribution/prov:wasGeneratedBy ?activity .
          ?activity a prov:Activity ; prov:used ?report ; prov:wasAssociatedWith ?agent .
        }"""
    )
    assert {(str(r), str(a)) for r, a in rows} == {
        (B + "id/report/fy2023", B + "id/activity/build")
    }
    dumps = {str(d) for d in graph.subjects(PROV.wasGeneratedBy)}
    assert B + "id/distribution/dx-kpi-ttl" in dumps
    assert not any(d.endswith("-csv") for d in dumps)  # the tables are used, not generated
