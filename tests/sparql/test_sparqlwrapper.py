"""SPARQLWrapper, unmodified, against /sparql over real HTTP (werkzeug on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from rdflib import Graph
from SPARQLWrapper import CSV, JSON, JSONLD, POST, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from server.sparql.endpoint import SparqlBlueprint
from tests.sparql.conftest import KASEI, serve

SELECT = "SELECT ?s WHERE { ?s a ?type } ORDER BY ?s"
CONSTRUCT = "CONSTRUCT { ?s a ?type } WHERE { ?s a ?type }"
SUBJECTS = [f"{KASEI}data{n}.rdf" for n in (1, 2, 3)]


@pytest.fixture(scope="module")
def endpoint(sparql: tuple[Flask, SparqlBlueprint]) -> Iterator[str]:
    with serve(sparql[0]) as url:
        yield url


def wrapper(endpoint: str, query: str, fmt: str, method: str | None = None) -> SPARQLWrapper:
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    if method:
        client.setMethod(method)
    return client


@pytest.mark.parametrize("method", [None, POST])
def test_json(endpoint: str, method: str | None) -> None:
    result = wrapper(endpoint, SELECT, JSON, method).queryAndConvert()
    assert [b["s"]["value"] for b in result["results"]["bindings"]] == SUBJECTS  # type: ignore[index]


def test_xml(endpoint: str) -> None:
    document = wrapper(endpoint, SELECT, XML).queryAndConvert()
    uris = [node.firstChild.data for node in document.getElementsByTagName("uri")]  # type: ignore[union-attr]
    assert uris == SUBJECTS


@pytest.mark.parametrize(("fmt", "separator"), [(CSV, ","), (TSV, "\t")])
def test_csv_and_tsv(endpoint: str, fmt: str, separator: str) -> None:
    body = wrapper(endpoint, SELECT, fmt).queryAndConvert()
    lines = body.decode().splitlines()  # type: ignore[union-attr]
    assert lines[0].lstrip("?") == "s"
    assert [line.strip("<>") for line in lines[1:]] == SUBJECTS


def test_ask(endpoint: str) -> None:
    result = wrapper(endpoint, "ASK { ?s ?p ?o }", JSON).queryAndConvert()
    assert result["boolean"] is True  # type: ignore[index]


# SPARQLWrapper 2.0 converts RDF answers into rdflib's deprecated ConjunctiveGraph.
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
@pytest.mark.parametrize("fmt", [TURTLE, RDFXML, XML, JSONLD])
def test_construct(endpoint: str, fmt: str) -> None:
    result = wrapper(endpoint, CONSTRUCT, fmt).queryAndConvert()
    if isinstance(result, bytes | str):  # SPARQLWrapper returns Turtle / JSON-LD as text
        result = Graph().parse(data=result, format="turtle" if fmt == TURTLE else "json-ld")
    assert isinstance(result, Graph)
    assert len(result) == 3


def test_errors_reach_the_client_as_4xx(endpoint: str) -> None:
    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

    with pytest.raises(QueryBadFormed):
        wrapper(endpoint, "SELECT ?s WHERE { ?s ", JSON).queryAndConvert()
