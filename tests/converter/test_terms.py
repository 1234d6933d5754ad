"""Literals are written in the canonical form Oxigraph keeps, in every dump format.

A lexical form other than the canonical one ("10.0"^^xsd:decimal) is a different RDF term
from the one the endpoint answers ("10"), so the files would not join with the endpoint.
Files are read with pyoxigraph's parser, which keeps lexical forms as written.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from converter.jsonld import jsonld
from converter.values import canonical_decimal
from converter.writers import lexical, ntriples, rdf_xml, turtle

Triple = tuple[str, str, str]
#: Every RDF file of download/ and the N-Triples file it must equal term for term.
DUMPS = {
    "dx-kpi.ttl": (ox.RdfFormat.TURTLE, "download/dx-kpi.nt"),
    "dx-kpi.rdf": (ox.RdfFormat.RDF_XML, "download/dx-kpi.nt"),
    "dx-kpi.jsonld": (ox.RdfFormat.JSON_LD, "download/dx-kpi.nt"),
    "catalog.ttl": (ox.RdfFormat.TURTLE, "graphs/catalog.nt"),
    "catalog.rdf": (ox.RdfFormat.RDF_XML, "graphs/catalog.nt"),
    "catalog.jsonld": (ox.RdfFormat.JSON_LD, "graphs/catalog.nt"),
    "ontology.ttl": (ox.RdfFormat.TURTLE, "graphs/ontology.nt"),
}


def triples(data: bytes, fmt: ox.RdfFormat = ox.RdfFormat.N_TRIPLES) -> set[Triple]:
    return {(str(t.subject), str(t.predicate), str(t.object)) for t in ox.parse(data, format=fmt)}


def oxigraph_form(triple_set: set[Triple]) -> set[Triple]:
    """The same triples after a round trip through an Oxigraph store."""
    store = ox.Store()
    data = "".join(f"{s} {p} {o} .\n" for s, p, o in triple_set).encode("utf-8")
    store.load(data, format=ox.RdfFormat.N_TRIPLES)
    return triples(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()) or b"")


@pytest.mark.parametrize(
    ("number", "canonical"),
    [
        ("10.0", "10"),
        ("10", "10"),
        ("0.50", "0.5"),
        ("-1.250", "-1.25"),
        ("0", "0"),
        ("-0.0", "0"),
        ("4E+7", "40000000"),
        ("007.10", "7.1"),
        ("1E-3", "0.001"),
        ("64169", "64169"),
    ],
)
def test_canonical_decimal_is_oxigraphs(number: str, canonical: str) -> None:
    assert canonical_decimal(Decimal(number)) == canonical
    # Oxigraph, given any xsd:decimal lexical form of the number, keeps the same one.
    lexical_form = format(Decimal(number), "f")
    literal = ox.Literal(lexical_form, datatype=ox.NamedNode(str(XSD.decimal)))
    store = ox.Store()
    store.add(
        ox.Quad(
            ox.NamedNode("https://example.org/s"), ox.NamedNode("https://example.org/p"), literal
        )
    )
    assert next(iter(store)).object.value == canonical


@pytest.mark.parametrize(
    ("literal", "canonical"),
    [
        (Literal("10.0", datatype=XSD.decimal), "10"),
        (Literal("+07", datatype=XSD.integer), "7"),
        (Literal("1", datatype=XSD.boolean), "true"),
        (Literal("2026-11-28T00:00:00Z", datatype=XSD.dateTime), "2026-11-28T00:00:00Z"),
        (Literal("2023", datatype=XSD.gYear), "2023"),
        (Literal("2023-04-01", datatype=XSD.date), "2023-04-01"),
        (Literal("ほぼ100%", lang="ja"), "ほぼ100%"),
    ],
)
def test_every_writer_writes_the_canonical_form(literal: Literal, canonical: str) -> None:
    graph = Graph()
    graph.add((URIRef("https://example.org/s"), URIRef("https://example.org/p"), literal))
    assert lexical(literal) == canonical
    for data, fmt in (
        (ntriples(graph), ox.RdfFormat.N_TRIPLES),
        (turtle(graph), ox.RdfFormat.TURTLE),
        (rdf_xml(graph), ox.RdfFormat.RDF_XML),
        (jsonld(graph, "https://example.org/"), ox.RdfFormat.JSON_LD),
    ):
        [(_, _, written)] = triples(data, fmt)
        assert written.startswith(f'"{canonical}"'), (fmt, written)
        assert oxigraph_form({("<https://example.org/s>", "<https://example.org/p>", written)}) == {
            ("<https://example.org/s>", "<https://example.org/p>", written)
        }


@pytest.mark.parametrize("name", sorted(DUMPS))
def test_every_dump_format_writes_the_same_terms(dist_dir: Path, name: str) -> None:
    fmt, reference = DUMPS[name]
    found = triples((dist_dir / "download" / name).read_bytes(), fmt)
    expected = triples((dist_dir / reference).read_bytes())
    assert found == expected, (sorted(found - expected)[:3], sorted(expected - found)[:3])


def test_graph_files_are_in_oxigraphs_canonical_form(dist_dir: Path) -> None:
    """Loading a graph file into Oxigraph and writing it back changes no term."""
    for path in sorted((dist_dir / "graphs").glob("*.nt")):
        written = triples(path.read_bytes())
        again = oxigraph_form(written)
        assert again == written, (path.name, sorted(written - again)[:3])


def test_values_are_canonical_decimals(dist_dir: Path) -> None:
    text = (dist_dir / "download" / "dx-kpi.nt").read_text("utf-8")
    assert '#value> "64169"^^<http://www.w3.org/2001/XMLSchema#decimal>' in text
    assert '.0"^^<http://www.w3.org/2001/XMLSchema#decimal>' not in text
