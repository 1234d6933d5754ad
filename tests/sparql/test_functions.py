"""The guard's rule for functions (issue 26): SPARQL 1.1's own, the XSD casts and the
configured extensions; nothing of Virtuoso's (``bif:``, ``sql:``, backquotes, ``DEFINE``).

Every accepted query is also parsed by Oxigraph, so the tables hold real SPARQL 1.1. The
endpoint: test_functions_endpoint.py (embedded store), tests/remote/test_virtuoso_guard.py.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from server.config import Settings
from server.errors import ConfigError, QueryRefused, status_of
from server.sparql.functions import BUILT_INS, check_functions
from server.sparql.guard import check_query

XSD = "http://www.w3.org/2001/XMLSchema#"
PREFIXES = f"PREFIX xsd: <{XSD}> PREFIX ex: <http://example.org/> "


def guard(query: str, extensions: frozenset[str] = frozenset()) -> object:
    return check_query(
        query,
        max_length=20_000,
        known_graphs=frozenset,
        base_iri="http://example.org/sparql",
        extension_functions=extensions,
    )


def expression(call: str) -> str:
    return f"{PREFIXES}SELECT ({call} AS ?x) WHERE {{ BIND(1 AS ?v) BIND(<http://example.org/a> AS ?i) }}"


#: One call of every function of SPARQL 1.1's grammar (BuiltInCall, Aggregate).
BUILT_IN_CALLS = {
    "STR": "STR(?i)",
    "LANG": 'LANG("a"@ja)',
    "LANGMATCHES": 'LANGMATCHES("ja", "*")',
    "DATATYPE": "DATATYPE(?v)",
    "BOUND": "BOUND(?v)",
    "IRI": 'IRI("http://example.org/b")',
    "URI": 'URI("http://example.org/b")',
    "BNODE": "BNODE()",
    "RAND": "RAND()",
    "ABS": "ABS(-1)",
    "CEIL": "CEIL(1.5)",
    "FLOOR": "FLOOR(1.5)",
    "ROUND": "ROUND(1.5)",
    "CONCAT": 'CONCAT("a", "b")',
    "STRLEN": 'STRLEN("abc")',
    "UCASE": 'UCASE("a")',
    "LCASE": 'LCASE("A")',
    "ENCODE_FOR_URI": 'ENCODE_FOR_URI("a b")',
    "CONTAINS": 'CONTAINS("abc", "b")',
    "STRSTARTS": 'STRSTARTS("abc", "a")',
    "STRENDS": 'STRENDS("abc", "c")',
    "STRBEFORE": 'STRBEFORE("abc", "b")',
    "STRAFTER": 'STRAFTER("abc", "b")',
    "YEAR": "YEAR(NOW())",
    "MONTH": "MONTH(NOW())",
    "DAY": "DAY(NOW())",
    "HOURS": "HOURS(NOW())",
    "MINUTES": "MINUTES(NOW())",
    "SECONDS": "SECONDS(NOW())",
    "TIMEZONE": "TIMEZONE(NOW())",
    "TZ": "TZ(NOW())",
    "NOW": "NOW()",
    "UUID": "UUID()",
    "STRUUID": "STRUUID()",
    "MD5": 'MD5("a")',
    "SHA1": 'SHA1("a")',
    "SHA256": 'SHA256("a")',
    "SHA384": 'SHA384("a")',
    "SHA512": 'SHA512("a")',
    "COALESCE": "COALESCE(?nothing, 1)",
    "IF": "IF(true, 1, 2)",
    "STRLANG": 'STRLANG("a", "ja")',
    "STRDT": 'STRDT("1", xsd:integer)',
    "SAMETERM": "sameTerm(?i, ?i)",
    "ISIRI": "isIRI(?i)",
    "ISURI": "isURI(?i)",
    "ISBLANK": "isBLANK(?i)",
    "ISLITERAL": "isLITERAL(?v)",
    "ISNUMERIC": "isNUMERIC(?v)",
    "REGEX": 'REGEX("abc", "^a", "i")',
    "SUBSTR": 'SUBSTR("abc", 2, 1)',
    "REPLACE": 'REPLACE("abc", "b", "x")',
    "COUNT": "COUNT(DISTINCT ?v)",
    "SUM": "SUM(?v)",
    "MIN": "MIN(?v)",
    "MAX": "MAX(?v)",
    "AVG": "AVG(?v)",
    "SAMPLE": "SAMPLE(?v)",
    "GROUP_CONCAT": 'GROUP_CONCAT(STR(?v); SEPARATOR=", ")',
}


def test_the_table_names_every_built_in() -> None:
    assert set(BUILT_IN_CALLS) == BUILT_INS


@pytest.mark.parametrize("name", sorted(BUILT_IN_CALLS))
def test_every_built_in_is_accepted(name: str) -> None:
    query = expression(BUILT_IN_CALLS[name])
    ox.Store().query(query)  # real SPARQL 1.1
    assert guard(query)
    assert guard(query.replace(name, name.lower()) if name != "SAMETERM" else query)


#: Real queries with the other function-like parts of the grammar.
ACCEPTED = [
    f"{PREFIXES}ASK {{ FILTER EXISTS {{ ?s ?p ?o }} FILTER NOT EXISTS {{ ?s ex:p ?o }} }}",
    f"{PREFIXES}SELECT * {{ ?s ?p ?o FILTER(?o IN (1, 2) && ?o NOT IN (3)) }}",
    f"{PREFIXES}SELECT * {{ ?s ?p ?o FILTER regex(?o, 'a') }}",
    f"{PREFIXES}SELECT ?s (COUNT(*) AS ?n) {{ ?s ?p ?o }} GROUP BY ?s (STR(?o) AS ?x) HAVING (COUNT(*) > 1) ORDER BY DESC(?n) ASC(STR(?s))",
    f"{PREFIXES}SELECT * {{ {{ SELECT ?s (MAX(?o) AS ?m) {{ ?s ?p ?o }} GROUP BY ?s }} }}",
    f"{PREFIXES}SELECT * {{ VALUES (?a ?b) {{ (ex:a 1) (UNDEF ex:b) }} }}",
    f"{PREFIXES}SELECT DISTINCT (STR(?s) AS ?x) {{ ?s ?p ?o }}",
    # collections and paths after an IRI call nothing:
    f"{PREFIXES}SELECT * {{ ?s ex:p (1 2 (3)) }}",
    f"{PREFIXES}SELECT * {{ ?s ex:p (ex:a (ex:b)) ; ex:q [ ex:r (ex:c) ] }}",
    f"{PREFIXES}SELECT * {{ ex:a (ex:p/ex:q)? ?t . ?s !(ex:p|^ex:q) ?o . ?s a (1) }}",
    f"{PREFIXES}SELECT * {{ ?s ?p (true (false)) }}",
    f"{PREFIXES}CONSTRUCT {{ ?s ex:list (1 2) }} WHERE {{ ?s ?p ?o }}",
    f"{PREFIXES}ASK {{ FILTER EXISTS {{ ?s ex:p (1) }} }}",
    # function names where they call nothing:
    "SELECT * { ?s ?p \"bif:exec('x') sql:x() <bif:exec>()\" }",
    "SELECT * { ?s ?p ?o } # bif:exec('SPARQL CLEAR ALL') `x`",
    "SELECT ?bif ?exec ?sql { ?bif ?exec ?sql }",
    'SELECT * { ?s ?p "x"@bif }',
    "PREFIX bifx: <http://example.org/> PREFIX sqlite: <http://example.org/> SELECT * { ?s bifx:p sqlite:o }",
    "SELECT * { <http://example.org/bif:exec> <http://example.org/sql#x> ?o }",
    "SELECT ('''`''' AS ?x) {}",
]


@pytest.mark.parametrize("query", ACCEPTED)
def test_grammar_and_names_that_call_nothing_are_accepted(query: str) -> None:
    ox.Store().query(query)  # real SPARQL 1.1
    assert guard(query)


#: A sample of the XSD casts (SPARQL 1.1 §17.5), prefixed and as full IRIs.
@pytest.mark.parametrize(
    "cast",
    [
        "xsd:string(1)",
        'xsd:integer("3")',
        'xsd:decimal("1.5")',
        'xsd:double("1e3")',
        'xsd:float("1.5")',
        'xsd:boolean("true")',
        'xsd:dateTime("2026-12-07T00:00:00Z")',
        f'<{XSD}integer>("3")',
        f"<{XSD}string>(?v)",
    ],
)
def test_xsd_casts_are_accepted(cast: str) -> None:
    query = expression(cast)
    ox.Store().query(query)
    assert guard(query)


E = "PREFIX ex: <http://example.org/> "
#: (query, what the message names)
REFUSED = [
    # Virtuoso's functions, in every spelling it takes (bif:/sql: need no PREFIX there)
    ("SELECT (bif:http_get('http://127.0.0.1:8000/openapi.json?ssrf=1') AS ?x) {}", "bif:"),
    (
        "SELECT (bif:exec('SPARQL INSERT DATA { GRAPH <urn:pwned> { <urn:a> <urn:b> <urn:c> } }') AS ?x) {}",
        "bif:",
    ),
    ("SELECT (bif:virtuoso_ini_path() AS ?x) {}", "bif:"),
    ("SELECT (bif:sys_stat('st_dbms_ver') AS ?x) {}", "bif:"),
    ("SELECT (<bif:exec>('select 1') AS ?x) {}", "bif:"),
    ("SELECT (<BIF:exec>('select 1') AS ?x) {}", "bif:"),
    ("SELECT (sql:PROBE('x') AS ?x) {}", "bif:"),
    ("SELECT (<sql:PROBE>('x') AS ?x) {}", "bif:"),
    ("SELECT (<http://www.openlinksw.com/schemas/bif#exec>('x') AS ?x) {}", "bif:"),
    ("SELECT * { ?s ?p ?o . ?o bif:contains 'x' }", "bif:"),  # a magic predicate
    ("SELECT * { ?s <bif:contains> 'x' }", "bif:"),
    ("PREFIX b: <bif:> SELECT (b:exec('x') AS ?x) {}", "bif:"),
    ("PREFIX b: <bi> SELECT (b:f:exec('x') AS ?x) {}", "bif:"),
    ("PREFIX bif: <http://example.org/> SELECT * { ?s bif:p ?o }", "bif:"),
    ("SELECT * { ?s ?p ?o . ?o <\\u0062if:contains> 'x' }", "bif:"),  # judged unescaped too
    ("SELECT (<bif\\u003Aexec>('x') AS ?x) {}", "bif:"),
    ("SELECT (bif:exec\n# comment\n('x') AS ?x) {}", "bif:"),
    ("SELECT * { ?s ?p `bif:exec('x')` }", "backquote"),
    # Virtuoso's other syntax
    ("SELECT * { ?s ?p `<http://example.org/f>('x')` }", "backquote"),
    ("DEFINE input:inference 'x' SELECT * {}", "DEFINE"),
    ('PREFIX ex: <http://example.org/> define get:soft "replace" SELECT * {}', "DEFINE"),
    ("SELECT * { ?s ?p ?o OPTION (TRANSITIVE, t_in(?s), t_out(?o)) }", "OPTION"),
    # any other IRI, in every place an expression stands
    ("SELECT (<http://127.0.0.1:9/f>(1) AS ?x) {}", "<http://127.0.0.1:9/f>"),
    (f"{E}SELECT (ex:f(1) AS ?x) {{}}", "ex:f"),
    (f"{E}SELECT * {{ ?s ?p ?o FILTER(ex:f(?o)) }}", "ex:f"),
    (f"{E}SELECT * {{ ?s ?p ?o FILTER ex:f(?o) }}", "ex:f"),
    (f"{E}SELECT * {{ ?s ?p ?o FILTER (STR(ex:f(?o)) = '') }}", "ex:f"),
    (f"{E}SELECT * {{ BIND(ex:f(1) AS ?x) }}", "ex:f"),
    (f"{E}SELECT * {{ ?s ?p ?o }} ORDER BY ?s ex:f(?o)", "ex:f"),
    (f"{E}SELECT * {{ ?s ?p ?o }} GROUP BY ?s ex:f(?o)", "ex:f"),
    (f"{E}SELECT ?s {{ ?s ?p ?o }} GROUP BY ?s HAVING ex:f(?s)", "ex:f"),
    (f"{E}SELECT * {{ ?s ?p ?o }} LIMIT ex:f(1)", "ex:f"),  # Virtuoso takes expressions there
    (f"{E}SELECT * {{ ?s ?p ?o }} OFFSET ex:f(1)", "ex:f"),
    (f"{E}SELECT * {{ {{ SELECT * {{ ?s ?p ?o }} ORDER BY ?s ex:f(?o) }} }}", "ex:f"),
    (f"{E}SELECT * {{ {{ SELECT * {{ ?s ?p ?o }} LIMIT ex:f(1) }} }}", "ex:f"),
    (f"{E}ASK {{ FILTER EXISTS {{ FILTER(ex:f(1)) }} }}", "ex:f"),
    (f"{E}SELECT * {{ ?s ?p ?o FILTERex:f(?o) }}", "FILTERex:f"),  # Oxigraph: FILTER ex:f(?o)
    # names that are not SPARQL's, a prefix that cannot be trusted, a relative IRI
    ("SELECT (virtuoso_ini_path() AS ?x) {}", "virtuoso_ini_path"),
    ("SELECT (exec('x') AS ?x) {}", "exec"),
    ("SELECT * { ?s ?p ?o FILTER(regexp(?o, 'a')) }", "regexp"),
    ("SELECT (xsd:date('2026-12-07') AS ?x) {}", "not declared"),
    ("SELECT (fn:concat('a') AS ?x) {}", "not declared"),
    (
        f"PREFIX x: <{XSD}> PREFIX x: <http://example.org/> SELECT (x:integer('1') AS ?x) {{}}",
        "declared twice",
    ),
    ("BASE <http://www.w3.org/2001/XMLSchema#> SELECT (<#integer>('1') AS ?x) {}", "<#integer>"),
    (f"PREFIX xsd: <{XSD}> SELECT (xsd:date('2026-12-07') AS ?x) {{}}", "xsd:date"),
    ("SELECT * { ?s ?p _:a:f('x') }", "blank node"),
]


@pytest.mark.parametrize(("query", "named"), REFUSED)
def test_refused_with_a_400_that_says_why(query: str, named: str) -> None:
    with pytest.raises(QueryRefused) as caught:
        guard(query)
    assert status_of(caught.value) == 400
    message = caught.value.message
    assert named in message, message
    assert " / " in message  # English / Japanese, like every message of the guard


def test_a_listed_extension_function_is_accepted_and_no_other() -> None:
    date = f"{XSD}date"
    listed = frozenset({date, "http://example.org/f"})
    assert guard(expression("xsd:date('2026-12-07')"), listed)
    assert guard(expression(f"<{date}>('2026-12-07')"), listed)
    assert guard(expression("ex:f(1)"), listed)
    with pytest.raises(QueryRefused, match="extension functions this server lists"):
        guard(expression("ex:g(1)"), listed)
    with pytest.raises(QueryRefused, match="bif:"):
        guard(expression("bif:exec('x')"), listed)


def test_the_check_is_memoized_per_setting() -> None:
    check_functions.cache_clear()
    query = expression("ex:f(1)")
    with pytest.raises(QueryRefused):
        check_functions(query)
    check_functions(query, frozenset({"http://example.org/f"}))  # not the refusal remembered


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", frozenset()),
        (f"{XSD}date  http://example.org/f\n", frozenset({f"{XSD}date", "http://example.org/f"})),
    ],
)
def test_the_setting_lists_full_iris(value: str, expected: frozenset[str]) -> None:
    settings = Settings.load(environ={"DX_SPARQL_EXTENSION_FUNCTIONS": value})
    assert settings.extension_functions == expected


@pytest.mark.parametrize("value", ["bif:exec", "sql:PROC", "<http://x/f>", "f", "http://x/a b>"])
def test_the_setting_refuses_what_is_not_a_full_iri_or_is_virtuosos(value: str) -> None:
    with pytest.raises(ConfigError, match="DX_SPARQL_EXTENSION_FUNCTIONS"):
        Settings.load(environ={"DX_SPARQL_EXTENSION_FUNCTIONS": f"http://example.org/f {value}"})
