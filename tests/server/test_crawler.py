"""Follow-your-nose: a crawler that reads only the RDF of the answers reaches every resource.

It starts where a linked-data client starts (``/`` if it answers RDF, the VoID document
``/.well-known/void``), dereferences every ``B id/…`` IRI that an answer mentions, as subject
or object, with ``Accept: text/turtle``, and must reach every project, KPI, KPI value, plan
item and organisation in the store. Runs on both stores (``client`` and ``store`` share the
parameter).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from flask.testing import FlaskClient
from rdflib import Graph, URIRef

from converter.contract import DEFAULT_BASE_IRI
from server.stores.base import Store

ID = DEFAULT_BASE_IRI + "id/"
TURTLE = {"Accept": "text/turtle"}
MAX_FETCHES = 2000
DX = "https://data.pref.fukushima.lg.jp/dx/ontology#"

#: What the crawler must reach: every resource of these classes in the store.
EXPECTED = {
    "project": f"<{DX}Project>",
    "KPI": f"<{DX}Kpi>",
    "KPI value": f"<{DX}KpiValue>",
    "plan item": f"<{DX}Field> <{DX}Item> <{DX}Measure>",
    "organisation": f"<{DX}Department> <{DX}Division> <{DX}Prefecture>",
    "listing": f"<{DX}Listing>",
    "report": f"<{DX}Report>",
}


@dataclass
class Crawl:
    reached: set[str] = field(default_factory=set)
    fetched: int = 0
    broken: list[tuple[str, int]] = field(default_factory=list)


def linked_iris(body: bytes) -> set[str]:
    """The ``B id/…`` IRIs a Turtle answer mentions as subject or object (no fragment)."""
    graph = Graph().parse(data=body, format="turtle")
    terms = {t for s, _, o in graph for t in (s, o) if isinstance(t, URIRef)}
    return {str(t).split("#", 1)[0] for t in terms if str(t).startswith(ID)}


def crawl(client: FlaskClient, starts: list[str]) -> Crawl:
    result = Crawl()
    queue: deque[str] = deque()

    def visit(body: bytes) -> None:
        for iri in sorted(linked_iris(body) - result.reached):
            result.reached.add(iri)
            queue.append(iri)

    for path in starts:
        response = client.get(path, headers=TURTLE)
        if response.status_code == 200 and response.mimetype == "text/turtle":
            visit(response.data)
    while queue and result.fetched < MAX_FETCHES:
        iri = queue.popleft()
        response = client.get("/" + iri[len(DEFAULT_BASE_IRI) :], headers=TURTLE)
        result.fetched += 1
        if response.status_code != 200:
            result.broken.append((iri, response.status_code))
            continue
        assert response.mimetype == "text/turtle", iri
        visit(response.data)
    assert not queue, f"the crawl did not finish in {MAX_FETCHES} fetches"
    return result


def expected(store: Store, classes: str) -> set[str]:
    rows = store.select(f"SELECT DISTINCT ?s WHERE {{ VALUES ?c {{ {classes} }} ?s a ?c }}")
    return {str(r["s"]) for r in rows}


def test_void_document_is_a_starting_point(client: FlaskClient) -> None:
    response = client.get("/.well-known/void", headers=TURTLE)
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    assert linked_iris(response.data), "the VoID document links to no resource"


def test_crawler_reaches_every_resource(client: FlaskClient, store: Store) -> None:
    result = crawl(client, ["/", "/.well-known/void"])
    assert not result.broken, f"links that do not dereference: {result.broken[:5]}"
    for name, classes in EXPECTED.items():
        wanted = expected(store, classes)
        assert wanted, f"the store has no {name}"
        missed = sorted(wanted - result.reached)
        assert not missed, f"{len(missed)} of {len(wanted)} {name}s not reached, e.g. {missed[:3]}"
    prefecture = ID + "org/fukushima-prefecture"
    assert prefecture in result.reached
