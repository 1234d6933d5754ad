"""The site's HTML pages of a build, as readers ask for them (in Japanese): a wrk mix
(bench/wrk.py) and one timed pass that asks for every page at the same time.

The pages are the landing page, the lists, the dashboard, and the page of every KPI and
project the build holds (read from its graphs, so a new edition's pages come in by
themselves).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from bench import servers
from bench.remote_report import Pass
from bench.wrk import Request
from converter.contract import Manifest
from converter.vocab import DX

PAGE_HEADERS = {"Accept": "text/html", "Accept-Language": "ja"}
#: The pages that are not a resource's: the landing page, the lists, the dashboard.
SITE_PAGES = ("/", "/kpis", "/projects", "/plan", "/dashboard")

_RESOURCES = (
    f"SELECT DISTINCT ?r WHERE {{ GRAPH ?g {{ {{ ?r a <{DX.Kpi}> }} "
    f"UNION {{ ?r a <{DX.Project}> }} }} }}"
)


def resources(dist: Path) -> list[str]:
    """The IRIs of every KPI and project of the build in ``dist``."""
    store = ox.Store()
    for iri, path in Manifest.read(dist).graph_files(dist).items():
        store.bulk_load(path=path, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(iri))
    solutions = store.query(_RESOURCES)
    assert isinstance(solutions, ox.QuerySolutions)
    return [s["r"].value for s in solutions if isinstance(s["r"], ox.NamedNode)]


def _path_order(path: str) -> tuple[tuple[bool, int, str], ...]:
    """``/id/kpi/2`` before ``/id/kpi/10``: number segments compare as numbers."""
    return tuple((not p.isdigit(), int(p) if p.isdigit() else 0, p) for p in path.split("/"))


def page_paths(iris: Iterable[str], base_iri: str) -> list[str]:
    """The mix's paths: the site's own pages, then each resource's page in number order.

    :raises ValueError: an IRI is not under ``base_iri`` (it has no page on this site).
    """
    iris = list(iris)
    outside = [iri for iri in iris if not iri.startswith(base_iri)]
    if outside:
        raise ValueError(f"not under {base_iri}: {', '.join(sorted(outside))}")
    pages = {"/" + iri.removeprefix(base_iri) for iri in iris}
    return [*SITE_PAGES, *sorted(pages - set(SITE_PAGES), key=_path_order)]


def mix(paths: Iterable[str]) -> list[Request]:
    return [Request(path, PAGE_HEADERS) for path in paths]


def describe(paths: list[str]) -> str:
    """How many pages of each kind the mix holds, in words."""
    kpis = sum(1 for p in paths if p.startswith("/id/kpi/"))
    projects = sum(1 for p in paths if p.startswith("/id/project/"))
    others = [p for p in paths if not p.startswith(("/id/kpi/", "/id/project/"))]
    return f"{len(paths)} pages: {kpis} KPI pages, {projects} project pages, {', '.join(others)}"


def one_pass(port: int, paths: list[str], store: str, what: str) -> Pass:
    """Every path once, all at the same time (one thread and connection each, released
    together), as a burst of readers would ask after a publish."""
    start = threading.Barrier(len(paths) + 1)
    answers: dict[str, tuple[float, int, str]] = {}

    def fetch(path: str) -> None:
        start.wait()
        sent = time.perf_counter()
        try:
            reply = servers.get(port, path, PAGE_HEADERS)
            status, kind = reply.status, reply.headers.get("Content-Type", "")
        except OSError:
            status, kind = 0, ""  # no answer: counted outside 2xx
        answers[path] = ((time.perf_counter() - sent) * 1000, status, kind)

    threads = [threading.Thread(target=fetch, args=(p,), daemon=True) for p in paths]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    got = [answers[p] for p in paths]
    return Pass(
        store,
        what,
        seconds,
        tuple(ms for ms, _, _ in got),
        tuple(status for _, status, _ in got),
        sum(1 for _, status, kind in got if status == 200 and "text/html" not in kind),
    )
