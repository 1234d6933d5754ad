"""The store-independent guard: what it refuses, and that strings, comments and IRIs cannot
fool it in either direction."""

from __future__ import annotations

import pytest

from server.errors import ApiError, QueryError, status_of
from server.sparql.guard import check_query

HELD = frozenset({"http://example.org/g1", "http://example.org/g2"})


def check(query: str, max_length: int = 10_000):  # type: ignore[no-untyped-def]
    return check_query(
        query,
        max_length=max_length,
        known_graphs=lambda: HELD,
        base_iri="http://example.org/sparql",
    )


@pytest.mark.parametrize(
    ("query", "form"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
        ("ask {}", "ASK"),
        (
            "PREFIX ex: <http://example.org/> BASE <http://x/> CONSTRUCT WHERE { ?s ex:p ?o }",
            "CONSTRUCT",
        ),
        ("DESCRIBE <http://example.org/a>", "DESCRIBE"),
        # the words only look dangerous:
        ('SELECT * WHERE { ?s ?p "SERVICE <http://evil/> {}" }', "SELECT"),
        ("SELECT * WHERE { ?s ?p '''INSERT DATA { <a> <b> <c> }''' }", "SELECT"),
        ("SELECT * WHERE { ?s ?p ?o } # SERVICE <http://evil/> { }", "SELECT"),
        (
            "PREFIX service: <http://example.org/> SELECT ?service WHERE { ?service service:load ?o }",
            "SELECT",
        ),
        ("SELECT * WHERE { <http://example.org/SERVICE> ?p ?o }", "SELECT"),
        ('SELECT * WHERE { ?s ?p "x"@service }', "SELECT"),
        ("SELECT * WHERE { ?a ?b ?c FILTER(?a<?b && ?b>?c) }", "SELECT"),
        ("SELECT * FROM <http://example.org/g1> FROM NAMED <http://example.org/g2> {}", "SELECT"),
        ("PREFIX g: <http://example.org/> SELECT * FROM g:g1 {}", "SELECT"),
        ("BASE <http://example.org/> SELECT * FROM <g1> {}", "SELECT"),
        ('SELECT ?x WHERE { BIND ("\\"; DROP ALL" AS ?x) }', "SELECT"),
    ],
)
def test_accepted(query: str, form: str) -> None:
    assert check(query).form == form


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", 400),
        ("select * where { service silent <http://evil/> { ?s ?p ?o } }", 400),
        (
            "SELECT * WHERE { SERVICE ?endpoint { ?s ?p ?o } VALUES ?endpoint { <http://evil/> } }",
            400,
        ),
        ("SELECT * WHERE { OPTIONAL { ?s ?p ?o SERVICE<http://evil/>{} } }", 400),
        ("SELECT * WHERE { \\u0053ERVICE <http://evil/> { ?s ?p ?o } }", 400),
        ("SELECT * WHERE {\nSERVICE#comment\n<http://evil/> {} }", 400),
        ("SELECT * FROM <http://evil.example/data.ttl> WHERE { ?s ?p ?o }", 400),
        ("SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }", 400),
        ("INSERT DATA { <a> <b> <c> }", 403),
        ("DELETE WHERE { ?s ?p ?o }", 403),
        ("LOAD <http://evil/data.ttl>", 403),
        ("CLEAR ALL", 403),
        ("DROP GRAPH <http://example.org/g1>", 403),
        ("CREATE GRAPH <http://example.org/new>", 403),
        ("WITH <http://example.org/g1> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", 403),
        ("SELECT * {} ; INSERT DATA { <a> <b> <c> }", 403),
        ("PREFIX ex: <http://example.org/> COPY ex:g1 TO ex:g2", 403),
        ("DEFINE input:inference 'x' SELECT * {}", 400),  # Virtuoso's pragmas
        ("SELECT (bif:exec('x') AS ?x) {}", 400),  # Virtuoso's functions (test_functions.py)
        ("", 400),
        ("# only a comment", 400),
        ("hello", 400),
    ],
)
def test_refused(query: str, status: int) -> None:
    with pytest.raises(QueryError) as caught:
        check(query)
    assert status_of(caught.value) == status
    assert caught.value.message


def test_too_long_is_413() -> None:
    with pytest.raises(ApiError) as caught:
        check("SELECT * {}" + " " * 100, max_length=50)
    assert caught.value.status == 413


def test_known_graphs_are_only_asked_when_the_query_has_from() -> None:
    def boom() -> frozenset[str]:
        raise AssertionError("not needed")

    check_query("SELECT * {}", max_length=100, known_graphs=boom, base_iri="http://x/")
