"""The one formats registry: every entry found by its media type, extension, aliases and names,
and every graph format written by its serializer and read back (rdflib's loop-over-registry)."""

from __future__ import annotations

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import XSD

from converter import formats as f

KINDS = {"rdf": f.RDF_FORMATS, "results": f.RESULT_FORMATS, "document": f.DOCUMENT_FORMATS}


@pytest.mark.parametrize("fmt", f.ALL, ids=lambda x: x.key)
def test_each_entry_is_found_by_all_its_names(fmt: f.Format) -> None:
    among = KINDS[fmt.kind]
    assert f.from_media_type(fmt.media_type, among) is fmt
    assert f.from_media_type(fmt.media_type.upper() + "; charset=utf-8", among) is fmt
    assert f.from_extension(fmt.extension, among) is fmt
    assert f.from_extension("." + fmt.extension, among) is fmt
    for alias in fmt.aliases:
        assert f.from_media_type(alias, among) is fmt, alias
    for name in fmt.names:
        assert f.from_name(name, among) is fmt, name


def test_keys_and_media_types_are_unique_within_a_kind() -> None:
    assert len({x.key for x in f.ALL}) == len(f.ALL)
    for among in KINDS.values():
        assert len({x.media_type for x in among}) == len(among)
        assert len({x.extension for x in among}) == len(among)


@pytest.mark.parametrize("fmt", (*f.RDF_FORMATS, *f.RESULT_FORMATS), ids=lambda x: x.key)
def test_each_entry_wraps_its_oxigraph_format(fmt: f.Format) -> None:
    assert fmt.oxigraph.media_type.split(";")[0] == fmt.media_type


def test_documents_have_no_oxigraph_format() -> None:
    with pytest.raises(ValueError, match="not an oxigraph format"):
        _ = f.HTML.oxigraph


GRAPH = Graph()
_S = URIRef("https://example.org/id/a")
GRAPH.add((_S, URIRef("https://example.org/p"), Literal("福島", lang="ja")))
# A canonical lexical form: the writers write "10.0"^^xsd:decimal as "10" (test_terms.py).
GRAPH.add((_S, URIRef("https://example.org/q"), Literal("10.25", datatype=XSD.decimal)))
GRAPH.add((_S, URIRef("https://example.org/r"), BNode("b1")))
GRAPH.add((BNode("b1"), URIRef("https://example.org/p"), Literal('line\n"two"')))


@pytest.mark.parametrize("fmt", f.RDF_FORMATS, ids=lambda x: x.key)
def test_each_graph_format_round_trips_and_is_deterministic(fmt: f.Format) -> None:
    body = fmt.serialize(GRAPH, base_iri="https://example.org/")
    assert body == fmt.serialize(GRAPH, base_iri="https://example.org/")
    assert isomorphic(Graph().parse(data=body, format=fmt.rdflib_name), GRAPH)


@pytest.mark.parametrize("fmt", (*f.RESULT_FORMATS, *f.DOCUMENT_FORMATS), ids=lambda x: x.key)
def test_other_formats_carry_no_graph(fmt: f.Format) -> None:
    with pytest.raises(ValueError, match="cannot carry a graph"):
        fmt.serialize(GRAPH, base_iri="https://example.org/")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("dx-kpi.ttl", f.TURTLE),
        ("context.jsonld", f.JSON_LD),
        ("dx-kpi.nt", f.N_TRIPLES),
        ("catalog.rdf", f.RDF_XML),
        ("dx-kpi-fy2023.csv", f.CSV),
        ("dx-kpi-fy2023.csv-metadata.json", f.CSVW),
        ("ontology.html", f.HTML),
        ("dx-kpi-fy2024.xlsx", f.XLSX),
        ("DX-KPI-FY2024.XLSX", f.XLSX),
    ],
)
def test_published_files_get_their_format(name: str, expected: f.Format) -> None:
    assert f.for_file(name) is expected


def test_unknown_files_are_binary() -> None:
    assert f.for_file("x.bin").media_type == "application/octet-stream"
    assert f.for_file("x.bin").content_type == "application/octet-stream"


XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_a_workbook_is_a_spreadsheet_not_bytes() -> None:
    """The staff's workbook, wherever it is offered or served (issue 22): its own media type
    (IANA, ECMA-376), no charset (a zip is not text), CKAN's and the EU's XLSX."""
    assert f.XLSX.media_type == XLSX_MEDIA_TYPE
    assert f.XLSX.content_type == XLSX_MEDIA_TYPE
    assert f.from_media_type(XLSX_MEDIA_TYPE) is f.XLSX
    assert (f.XLSX.portal_format, f.XLSX.file_type) == ("XLSX", "XLSX")


def test_a_workbook_in_a_build_is_listed_and_served_as_one(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    from converter.contract import Manifest, file_entry
    from server.app import create_app
    from server.stores.local import LocalStore
    from tests.support.fakedist import write_page_dist

    dist = write_page_dist(tmp_path)
    workbook = b"PK\x03\x04" + bytes(2000)  # over the size the server compresses text from
    (dist / "download" / "dx-kpi-fy2024.xlsx").write_bytes(workbook)
    manifest = Manifest.read(dist)  # listed as the build lists every download:
    name = "dx-kpi-fy2024.xlsx"
    files = (*manifest.files, file_entry(dist, name, f.for_file(name).media_type))
    dataclasses.replace(manifest, files=files).write(dist)
    entry = Manifest.read(dist).file(name)
    assert entry is not None and entry.media_type == XLSX_MEDIA_TYPE
    app = create_app({"TESTING": True, "DIST_DIR": str(dist)}, store=LocalStore.from_build(dist))
    response = app.test_client().get(f"/download/{name}", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.data == workbook
    assert response.headers["Content-Type"] == XLSX_MEDIA_TYPE
    assert "Content-Encoding" not in response.headers
