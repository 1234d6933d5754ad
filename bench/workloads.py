"""The workloads of bench/http_bench.py: what each sends to ours and to its peers, and the
targets that judge ours against each peer (issue 10)."""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

from bench.servers import BASE_IRI, Server
from bench.wrk import Request

PREFIX = "PREFIX dx: <https://data.pref.fukushima.lg.jp/dx/ontology#> "
CHEAP = (
    PREFIX + "PREFIX schema: <http://schema.org/> "
    f"SELECT ?name WHERE {{ <{BASE_IRI}id/kpi/3> schema:name ?name }}"
)
# A join and an aggregate over the whole edition; the IRI constant in the FILTER (always
# true) makes each text new, so no answer cache can serve it: the engine answers each time.
JOIN = (
    PREFIX + "SELECT ?dept (COUNT(DISTINCT ?project) AS ?projects) (COUNT(?value) AS ?values) "
    "WHERE { ?project a dx:Project ; dx:department ?dept ; dx:kpi ?kpi . "
    "?value dx:refKpi ?kpi ; dx:valueKind ?kind . FILTER(?kind != <urn:x-bench:",
    ">) } GROUP BY ?dept ORDER BY DESC(?values)",
)
RESULTS = {"Accept": "application/sparql-results+json"}
HTML = {"Accept": "text/html"}
KPI = "/id/kpi/2"  # its page is the one the Trifid target names


@dataclass(frozen=True)
class Workload:
    name: str
    peers: tuple[str, ...]
    request: Callable[[Server, str | None], Request]  #: (server, our ETag) -> what to send
    unique: bool = False  #: each request a different text
    revalidate: bool = False  #: sends the ETag ours gave for KPI; ours must answer 304


def _sparql(query: str) -> Callable[[Server, str | None], Request]:
    return lambda s, _: Request(f"{s.sparql}?query={urllib.parse.quote(query)}", RESULTS)


def _join(server: Server, _: str | None) -> Request:
    head, tail = (urllib.parse.quote(part) for part in JOIN)
    return Request(f"{server.sparql}?query={head}", RESULTS, suffix=tail)


def _get(path: str, accept: str) -> Callable[[Server, str | None], Request]:
    return lambda s, _: Request(path, {"Accept": accept})


def _revalidate(server: Server, etag: str | None) -> Request:
    # Peers get our ETag too: the same request text, which the hello world answers with 200.
    return Request(KPI, {**HTML, "If-None-Match": etag or ""})


PAGES = ("trifid", "hello")
WORKLOADS = [
    Workload("cheap", ("oxigraph",), _sparql(CHEAP)),
    Workload("join", ("oxigraph",), _join, unique=True),
    Workload("kpi", PAGES, _get(KPI, "text/html")),
    Workload("project", PAGES, _get("/id/project/fy2023/8", "text/html")),
    Workload("landing", ("hello",), _get("/", "text/html")),
    Workload("kpis", ("hello",), _get("/kpis", "text/html")),
    Workload("ttl", ("hello",), _get("/id/kpi/2.ttl", "text/turtle")),
    Workload("download", ("hello",), _get("/download/dx-kpi.ttl", "text/turtle")),
    Workload("revalidate", ("hello",), _revalidate, revalidate=True),
]
# ours/peer req/s at least this; the page peers as the issue names them: Trifid for the
# entity pages, the hello world (our stack's ceiling) for every page and resource GET.
TARGETS = {("cheap", "oxigraph"): 0.25, ("join", "oxigraph"): 1.0, ("kpi", "trifid"): 20.0}
HELLO_TARGET = 0.5  # every page and resource GET against the hello-world ceiling


def target(workload: str, peer: str) -> float | None:
    return HELLO_TARGET if peer == "hello" else TARGETS.get((workload, peer))
