"""The guard in front of /sparql is linear in the query's length, bounded in nesting, and
agrees with Oxigraph on SERVICE (issue 12, defect A).

The guard used to hand any query mentioning "service" (even in a comment) to rdflib's
parser inside the web process: 4.5–8.8 s of CPU for 12–20 KB, and a RecursionError (500)
from 40 nested braces. Its own tokenizer also rescanned dotted runs (``a.a.a…``: 5 s for
20 KB). These tests time the guard function itself, and check it against the engine: a
query the guard lets through never makes Oxigraph open a connection.
"""

from __future__ import annotations

import itertools
import random
import socket
import threading
import time
from collections.abc import Iterator

import pyoxigraph as ox
import pytest

from server.errors import QueryError, QueryRefused, QuerySyntaxError, status_of
from server.sparql.functions import check_functions
from server.sparql.guard import check_query
from server.syntax import MAX_NESTING, analyse
from tests.harden.figures import Figure, record
from tests.harden.scale import scaled
from tests.support.timing import within

LIMIT = 20_000
#: Generous: the guard takes milliseconds; rdflib took seconds.
BOUND_S = 1.0


def guard(query: str) -> object:
    return check_query(
        query, max_length=LIMIT, known_graphs=frozenset, base_iri="http://example.org/sparql"
    )


def timed(query: str) -> tuple[float, BaseException | None]:
    """Seconds the guard took (memos cleared) and what it raised, if anything."""
    analyse.cache_clear()
    check_functions.cache_clear()
    start = time.perf_counter()
    try:
        guard(query)
    except QueryError as exc:
        return time.perf_counter() - start, exc
    return time.perf_counter() - start, None


def pad(prefix: str, unit: str, suffix: str = "") -> str:
    """``prefix`` + ``unit`` repeated + ``suffix``, at most :data:`LIMIT` characters."""
    room = LIMIT - len(prefix) - len(suffix)
    return prefix + unit * (room // len(unit)) + suffix


SELECT = "SELECT * WHERE { ?s ?p ?o } "
#: Legal queries of 20,000 characters that mention "service" where it is harmless.
HARMLESS = {
    "comments": pad(SELECT, "# the service SERVICE <http://evil/> { }\n"),
    "strings": pad("SELECT * WHERE { ?s ?p ?o VALUES ?o { ", '"SERVICE <http://evil/> {}" ', "}}"),
    "long strings": pad("SELECT * WHERE { ?s ?p ?o VALUES ?o { ", "'''service\n{'''\n", "}}"),
    "IRIs": pad("SELECT * WHERE { ?s ?p ?o VALUES ?o { ", "<http://x/service> ", "}}"),
    "Japanese comments": pad(SELECT, "# サービス service の説明\n"),
}
#: What made the old tokenizer or rdflib rescan, recurse or backtrack.
PATHOLOGICAL = {
    "dotted run": pad("SELECT * WHERE { ", "a.", "}"),
    "Japanese dotted run": pad("SELECT * WHERE { ", "あ.", "}"),
    "open long string": pad("SELECT * WHERE { ?s ?p '''", "\\'", "}"),
    "open string": pad("SELECT * WHERE { ?s ?p '", "\\'"),
    "angle brackets": pad("SELECT * WHERE { ", "<a"),
    "many tiny tokens": pad("SELECT * WHERE { ", "?a<", "}"),
    "40 nested braces, service": "SELECT * WHERE " + "{" * 40 + "}" * 40 + " # service",
    "3,000 nested braces, service": "# service\nSELECT * WHERE " + "{" * 3000 + "}" * 3000,
    "9,000 nested parens": pad("SELECT * WHERE { FILTER(", "(", ")"),
    "unbalanced closers": pad(SELECT, "}"),
}


def test_harmless_service_is_accepted_fast() -> None:
    worst = 0.0
    for name, query in HARMLESS.items():
        assert len(query) > 19_000, name
        seconds, error = timed(query)
        assert error is None, (name, error)
        assert seconds < within(BOUND_S), (name, seconds)
        worst = max(worst, seconds)
    record(
        Figure(
            case="guard: 20 KB queries saying 'service' in comments, strings, IRIs",
            sent=f"{len(HARMLESS)} queries of ~20,000 characters",
            outcome=f"accepted: {len(HARMLESS)}",
            errors=0,
            p99_ms=worst * 1000,
        )
    )


def test_pathological_queries_are_decided_fast_and_never_crash() -> None:
    worst, outcomes = 0.0, []
    for name, query in PATHOLOGICAL.items():
        seconds, error = timed(query)  # only QueryError may come out: else the test errors
        worst = max(worst, seconds)
        outcomes.append(f"{name}: {status_of(error) if error else 'accepted'}")
        assert seconds < within(BOUND_S), (name, seconds)
    record(
        Figure(
            case="guard: pathological 20 KB queries (timed on the guard function)",
            sent=f"{len(PATHOLOGICAL)} queries: dotted runs, open strings, deep nesting",
            outcome="; ".join(outcomes),
            errors=0,
            p99_ms=worst * 1000,
        )
    )


def test_nesting_is_bounded_with_a_clear_400() -> None:
    assert guard("SELECT * WHERE " + "{" * 40 + "}" * 40)  # legal and shallow enough
    assert guard("SELECT * WHERE " + "{" * MAX_NESTING + "}" * MAX_NESTING)
    for deep in (MAX_NESTING + 1, 3000):
        with pytest.raises(QueryRefused) as caught:
            guard("SELECT * WHERE " + "{" * deep + "}" * deep)
        assert status_of(caught.value) == 400
        assert str(MAX_NESTING) in caught.value.message and "nested" in caught.value.message


def test_an_open_string_is_a_syntax_error() -> None:
    for query in ("SELECT * WHERE { ?s ?p 'abc }", "SELECT * WHERE { ?s ?p '''abc }"):
        with pytest.raises(QuerySyntaxError):
            guard(query)


E = "<http://127.0.0.1:9/>"
PROLOGUE = f"PREFIX ex: {E} PREFIX : {E} PREFIX service: {E} "
#: Oxigraph reads each of these as SERVICE or FROM (it matches keywords without a word
#: boundary); the tokenizer sees one word or prefixed name.
GLUED = [
    f"{PROLOGUE}SELECT * WHERE {{ SERVICEex:a {{ }} }}",
    f"SELECT * WHERE {{ SERVICESILENT{E}{{ }} }}",
    f"SELECT * WHERE {{ ?s ?p trueSERVICE{E}{{ }} }}",
    f"{PROLOGUE}SELECT * WHERE {{ service:x {{ ?s ?p ?o }} }}",
    f"{PROLOGUE}SELECT * FROMex:g WHERE {{ ?s ?p ?o }}",
    f"{PROLOGUE}SELECT * FROM NAMEDex:g WHERE {{ ?s ?p ?o }}",
    f"SELECT * FROMNAMED{E} WHERE {{ ?s ?p ?o }}",
    f"SELECT * WHERE {{ \\u0053ERVICE{E}{{ }} }}",
]
#: ...while "service" inside names stays usable.
NAMES = [
    f"{PROLOGUE}SELECT ?service WHERE {{ ?service service:load ?o }}",
    f"{PROLOGUE}SELECT * WHERE {{ GRAPH service:g {{ ?s ?p ?o }} }}",
    "SELECT * WHERE { ?s a <http://www.w3.org/ns/dcat#DataService> }",
    "PREFIX dcat: <http://www.w3.org/ns/dcat#> SELECT * WHERE { ?s a dcat:DataService }",
    'SELECT * WHERE { ?s ?p "x"@service }',
]


def test_keywords_glued_to_names_are_refused_and_names_are_not() -> None:
    for query in GLUED:
        with pytest.raises(QueryRefused):
            guard(query)
    for query in NAMES:
        assert guard(query), query
    record(
        Figure(
            case="guard: SERVICE / FROM glued to names (SERVICEex:s, FROMNAMED<…>)",
            sent=f"{len(GLUED) + len(NAMES)} queries",
            outcome=f"400: {len(GLUED)}; accepted (service in names): {len(NAMES)}",
            errors=0,
        )
    )


class Listener:
    """A TCP port on 127.0.0.1 that counts connections and closes each one at once."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.port = self.socket.getsockname()[1]
        self.hits = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.socket.accept()
            except OSError:  # closed: the test is over
                return
            self.hits += 1
            conn.close()

    def connects(self, query: str) -> bool:
        """Whether running ``query`` made Oxigraph connect here.

        The count is up before the query returns: the engine's request only ends when this
        side has accepted and closed the connection.
        """
        before = self.hits
        try:
            result = ox.Store().query(query)
            if not isinstance(result, bool):
                list(result)  # type: ignore[arg-type]
        except (SyntaxError, OSError, ValueError, RuntimeError):
            pass
        return self.hits > before


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    listening = Listener()
    yield listening
    listening.socket.close()


#: Spellings of SERVICE the engine reads as the keyword, and harmless look-alikes.
KEYWORDS = [
    *("SERVICE", "service", "SERVICE SILENT", "SERVICESILENT", "\\u0053ERVICE", "ſervice"),
    *("'SERVICE'", "#SERVICE\n", "?service", "SERV ICE", "SERVİCE", "<http://x/SERVICE>"),
]
LEADS = ["", "?s ?p true", "?s ?p ?o .", "OPTIONAL {", "{ } UNION {", "FILTER(true)", "?s ?p 1"]
TARGETS = ["{E}", "ex:a", ":a", "?x", "ex:", ":"]
GAPS = ["", " ", "\n", "#c\n"]


def test_differential_what_the_guard_accepts_never_connects(listener: Listener) -> None:
    """Queries built from the ways to spell SERVICE: each one the guard accepts is run in
    Oxigraph (no sandbox here) against a listening port, which must see no connection; the
    refused ones are run too, to show that the check can see a connection at all."""
    iri = f"<http://127.0.0.1:{listener.port}/>"
    combos = list(itertools.product(LEADS, KEYWORDS, TARGETS, GAPS, GAPS, GAPS))
    chosen = random.Random(12).sample(combos, scaled(300, 3000))
    accepted, leaks, refused_would_connect = 0, [], 0
    for lead, keyword, target, *gaps in chosen:
        closer = "}" if lead.endswith("{") else ""
        body = lead + gaps[0] + keyword + gaps[1] + target.replace("{E}", iri) + gaps[2] + "{ }"
        query = f"PREFIX ex: {iri} PREFIX : {iri} SELECT * WHERE {{ {body}{closer} }}"
        try:
            analyse(query, "http://example.org/sparql")
        except QueryError:
            refused_would_connect += listener.connects(query)
            continue
        accepted += 1
        if listener.connects(query):
            leaks.append(query)
    record(
        Figure(
            case="guard vs Oxigraph: spellings of SERVICE (differential)",
            sent=f"{len(chosen)} queries",
            outcome=f"accepted: {accepted} (none connected); refused: {len(chosen) - accepted} "
            f"({refused_would_connect} would have connected)",
            errors=len(leaks),
        )
    )
    assert not leaks, leaks
    assert refused_would_connect > 0  # the oracle works
