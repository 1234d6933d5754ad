"""Issue 26, probe finding 10: an answer that calls NOW(), RAND(), UUID() or STRUUID() is
never repeated from a cache (the executor's, the response cache, nginx's or a browser's)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from server.sparql.functions import VOLATILE, check_functions

RESULTS = {"Accept": "application/sparql-results+json"}


@pytest.mark.parametrize("name", sorted(VOLATILE))
def test_a_volatile_answer_is_computed_every_time(client, name: str) -> None:  # type: ignore[no-untyped-def]
    url = f"/sparql?query={quote(f'SELECT ({name.lower()}() AS ?x) {{}}')}"
    answers = [client.get(url, headers=RESULTS) for _ in range(3)]
    for answer in answers:
        assert answer.status_code == 200, answer.data
        assert answer.headers["Cache-Control"] == "no-store"
    values = {a.get_json()["results"]["bindings"][0]["x"]["value"] for a in answers}
    assert len(values) == 3, values  # three evaluations, none repeated


def test_a_steady_query_is_still_cached(client) -> None:  # type: ignore[no-untyped-def]
    url = f"/sparql?query={quote('SELECT (STR(1) AS ?x) {}')}"
    answer = client.get(url, headers=RESULTS)
    assert answer.headers["Cache-Control"].startswith("public, max-age=")


@pytest.mark.parametrize(
    ("query", "volatile"),
    [
        ("SELECT (NOW() AS ?t) {}", True),
        ("SELECT * { BIND(rand() AS ?r) }", True),
        ("SELECT * { BIND(StrUuid() AS ?u) }", True),  # in any case
        ("SELECT * { ?s ?p 'NOW()' } # UUID()", False),  # in a string and a comment
        ("SELECT (STR(1) AS ?x) {}", False),
    ],
)
def test_the_guard_tells_volatile_queries(query: str, volatile: bool) -> None:
    assert check_functions(query) is volatile
