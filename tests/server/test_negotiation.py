"""Accept headers and extensions → formats (table-driven, rdflib-endpoint style)."""

from __future__ import annotations

import pytest

from converter import formats as f
from server import negotiation as n
from server.errors import ApiError
from server.web.common.representations import PAGE_FORMATS


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, f.HTML),
        ("", f.HTML),
        ("*/*", f.HTML),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", f.HTML),
        ("text/turtle", f.TURTLE),
        ("application/x-turtle", f.TURTLE),
        ("text/n3", f.TURTLE),
        ("application/ld+json", f.JSON_LD),
        ("application/json", f.JSON_LD),
        ("application/n-triples", f.N_TRIPLES),
        ("application/rdf+xml", f.RDF_XML),
        ("text/turtle;q=0.5, application/ld+json", f.JSON_LD),
        ("text/turtle;q=0.9, application/rdf+xml;q=0.95", f.RDF_XML),
        ("application/rdf+xml;q=0.1, text/turtle", f.TURTLE),
        ("text/*", f.HTML),
        ("text/html;q=0, text/*", f.TURTLE),
        ('application/ld+json;profile="http://www.w3.org/ns/json-ld#compacted"', f.JSON_LD),
        ("image/png", None),
        ("text/turtle;q=0", None),
    ],
)
def test_negotiate(accept: str | None, expected: f.Format | None) -> None:
    assert n.match(accept, PAGE_FORMATS) == expected


@pytest.mark.parametrize("fmt", PAGE_FORMATS, ids=lambda x: x.key)
def test_each_offered_format_is_chosen_by_its_media_type_and_aliases(fmt: f.Format) -> None:
    assert n.match(fmt.media_type, PAGE_FORMATS) is fmt
    for alias in fmt.aliases:
        assert n.match(alias, PAGE_FORMATS) is fmt, alias


@pytest.mark.parametrize(
    ("values", "offered", "expected"),
    [
        (("json",), f.RESULT_FORMATS, f.RESULTS_JSON),
        (("json",), f.RDF_FORMATS, f.JSON_LD),
        (("xml",), f.RESULT_FORMATS, f.RESULTS_XML),
        (("xml",), f.RDF_FORMATS, f.RDF_XML),
        (("n3",), f.RDF_FORMATS, f.TURTLE),
        (("bogus", "csv"), f.RESULT_FORMATS, f.RESULTS_CSV),
        (("text/tab-separated-values",), f.RESULT_FORMATS, f.RESULTS_TSV),
    ],
)
def test_format_parameter(
    values: tuple[str, ...], offered: tuple[f.Format, ...], expected: f.Format
) -> None:
    assert n.choose("image/png", offered, values) is expected


def test_nothing_acceptable_is_a_406_naming_the_supported_types() -> None:
    with pytest.raises(ApiError) as caught:
        n.choose("image/png", PAGE_FORMATS)
    assert caught.value.status == 406
    assert all(x.media_type in caught.value.message for x in PAGE_FORMATS)


@pytest.mark.parametrize(
    ("path", "stem", "fmt"),
    [
        ("id/kpi/2.ttl", "id/kpi/2", f.TURTLE),
        ("id/kpi/2.jsonld", "id/kpi/2", f.JSON_LD),
        ("id/kpi/2.nt", "id/kpi/2", f.N_TRIPLES),
        ("id/kpi/2.rdf", "id/kpi/2", f.RDF_XML),
        ("id/kpi/2.html", "id/kpi/2", f.HTML),
        ("id/kpi/2", "id/kpi/2", None),
        ("id/kpi/2.xyz", "id/kpi/2.xyz", None),
        ("id/a.b/c", "id/a.b/c", None),
    ],
)
def test_split_extension(path: str, stem: str, fmt: f.Format | None) -> None:
    assert n.split_extension(path, PAGE_FORMATS) == (stem, fmt)
