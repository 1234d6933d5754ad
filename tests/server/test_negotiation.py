"""Accept headers and extensions → formats (table-driven, rdflib-endpoint style)."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef

from server import negotiation as n


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, n.HTML),
        ("", n.HTML),
        ("*/*", n.HTML),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", n.HTML),
        ("text/turtle", n.TURTLE),
        ("application/x-turtle", n.TURTLE),
        ("application/ld+json", n.JSON_LD),
        ("application/json", n.JSON_LD),
        ("application/n-triples", n.N_TRIPLES),
        ("application/rdf+xml", n.RDF_XML),
        ("text/turtle;q=0.5, application/ld+json", n.JSON_LD),
        ("text/turtle;q=0.9, application/rdf+xml;q=0.95", n.RDF_XML),
        ("application/rdf+xml;q=0.1, text/turtle", n.TURTLE),
        ("text/*", n.HTML),
        ("text/html;q=0, text/*", n.TURTLE),
        ('application/ld+json;profile="http://www.w3.org/ns/json-ld#compacted"', n.JSON_LD),
        ("image/png", None),
        ("text/turtle;q=0", None),
    ],
)
def test_negotiate(accept: str | None, expected: n.Format | None) -> None:
    assert n.negotiate(accept) == expected


@pytest.mark.parametrize("fmt", n.FORMATS, ids=lambda f: f.name)
def test_registry_round_trips(fmt: n.Format) -> None:
    assert n.from_media_type(fmt.media_type) is fmt
    assert n.from_media_type(fmt.media_type.upper() + "; charset=utf-8") is fmt
    assert n.from_extension(fmt.extension) is fmt
    assert n.from_extension("." + fmt.extension) is fmt
    assert n.negotiate(fmt.media_type) is fmt
    for alias in fmt.aliases:
        assert n.from_media_type(alias) is fmt


@pytest.mark.parametrize("fmt", n.RDF_FORMATS, ids=lambda f: f.name)
def test_every_rdf_format_serializes_and_parses(fmt: n.Format) -> None:
    graph = Graph()
    graph.add(
        (
            URIRef("https://example.org/a"),
            URIRef("https://example.org/p"),
            Literal("福島", lang="ja"),
        )
    )
    assert fmt.rdflib_name is not None
    text = graph.serialize(format=fmt.rdflib_name, encoding="utf-8")
    parsed = Graph().parse(data=text, format=fmt.rdflib_name.replace("pretty-", ""))
    assert len(parsed) == 1


@pytest.mark.parametrize(
    ("path", "stem", "fmt"),
    [
        ("id/kpi/2.ttl", "id/kpi/2", n.TURTLE),
        ("id/kpi/2.jsonld", "id/kpi/2", n.JSON_LD),
        ("id/kpi/2.nt", "id/kpi/2", n.N_TRIPLES),
        ("id/kpi/2.rdf", "id/kpi/2", n.RDF_XML),
        ("id/kpi/2.html", "id/kpi/2", n.HTML),
        ("id/kpi/2", "id/kpi/2", None),
        ("id/kpi/2.xyz", "id/kpi/2.xyz", None),
        ("id/a.b/c", "id/a.b/c", None),
    ],
)
def test_split_extension(path: str, stem: str, fmt: n.Format | None) -> None:
    assert n.split_extension(path) == (stem, fmt)


def test_supported_list_names_every_type() -> None:
    listed = n.supported_list()
    assert all(f.media_type in listed for f in n.FORMATS)
