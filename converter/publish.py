"""Publish a validated build into any SPARQL 1.1 store, with standard protocols only.

Each graph of the build's manifest (``converter.contract.Manifest``) is uploaded beside its
target with the Graph Store HTTP Protocol (``PUT <store>?graph=<staging IRI>``), its triple
count is checked with a SPARQL ``COUNT`` against the manifest, and only when every graph
checks out are all of them switched in one SPARQL 1.1 Update request
(``MOVE <staging> TO <target>; …``). A publish that stops before the switch leaves the
previous edition in the target graphs.

Readers must never see a staging graph, on any store, whatever its default graph is. The
same Update request that moves the graphs therefore rewrites a small *publication register*
(``converter.contract.REGISTER_GRAPH``: ``<graph> a <urn:x-dx-lod:PublishedGraph>`` per live
graph), and the server (``server.stores.remote.RemoteStore``) sends exactly those graphs
as the SPARQL 1.1 Protocol dataset (``default-graph-uri`` / ``named-graph-uri``) with every
query. Why a
register rather than listing the store's graphs minus the staging prefix: the list of live
graphs then changes in the same transaction as their contents, it is exactly the last build
(a graph dropped from the build stops being served; graphs others keep in the store are never
served), and it costs one tiny indexed lookup instead of a scan of every graph name.
"""

from __future__ import annotations

import hashlib
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from converter.contract import (
    MANIFEST_NAME,
    REGISTER_GRAPH,
    STAGING_PREFIX,
    GraphEntry,
    Manifest,
    ManifestError,
)
from converter.store_client import Endpoints, PublishError, StoreClient

__all__ = [
    "Endpoints",
    "PublishError",
    "PublishInputError",
    "PublishReport",
    "endpoints",
    "publish",
    "read_build",
]


class PublishInputError(PublishError):
    """The build or the configuration cannot be published (exit 2); the store was not touched."""


@dataclass(frozen=True)
class GraphFile:
    """One named graph of a build: its IRI, N-Triples file and triple count (manifest)."""

    iri: str
    path: Path
    triples: int


@dataclass(frozen=True)
class PublishReport:
    """What a publish did: ``{graph IRI: triples now served}`` and housekeeping."""

    graphs: dict[str, int]
    stale_staging_dropped: int
    seconds: float


def endpoints(
    store_url: str, query_url: str | None = None, update_url: str | None = None
) -> Endpoints:
    """Complete the endpoint URLs; ``…/store`` or ``…/data`` imply sibling ``query``/``update``.

    A bare ``http://host:port`` is taken as an Oxigraph server (``/store``, ``/query``,
    ``/update``); Virtuoso's ``…/sparql-graph-crud-auth`` implies ``…/sparql-auth`` (its
    authenticated endpoints) for both queries and updates, and ``…/sparql-graph-crud``
    implies ``…/sparql``.

    :raises PublishInputError: a URL is not http(s) or cannot be derived.
    """
    parts = urllib.parse.urlsplit(store_url)
    if parts.path in ("", "/"):
        store_url = store_url.rstrip("/") + "/store"
    head, _, last = store_url.rstrip("/").rpartition("/")
    sibling = last in ("store", "data")
    virtuoso = {"sparql-graph-crud": "sparql", "sparql-graph-crud-auth": "sparql-auth"}.get(last)
    if query_url is None and (sibling or virtuoso):
        query_url = f"{head}/{virtuoso}" if virtuoso else f"{head}/query"
    if query_url is None:
        raise PublishInputError(
            f"cannot derive the query endpoint from {store_url}; pass --query-url"
        )
    if update_url is None:
        q_head, _, q_last = query_url.rstrip("/").rpartition("/")
        if sibling:
            update_url = f"{head}/update"
        elif virtuoso:
            update_url = f"{head}/{virtuoso}"
        elif q_last in ("query", "sparql"):
            update_url = f"{q_head}/update"
        else:
            raise PublishInputError(
                f"cannot derive the update endpoint from {query_url}; pass --update-url"
            )
    for url in (store_url, query_url, update_url):
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise PublishInputError(f"{url}: not an http(s) URL")
    return Endpoints(store_url, query_url, update_url)


def read_build(dist_dir: Path) -> tuple[list[GraphFile], str]:
    """The graphs of a validated build, checked against the manifest (file, sha256, count),
    and the build's data digest (:attr:`Manifest.data_digest`).

    :raises PublishInputError: no manifest, not marked SHACL-valid, or inconsistent.
    """
    dist = Path(dist_dir)
    try:
        manifest = Manifest.read(dist)
    except ManifestError as exc:
        raise PublishInputError(f"{exc}; nothing was published") from exc
    if not manifest.validation.conforms:
        raise PublishInputError(
            f"{dist / MANIFEST_NAME}: the build is not marked SHACL-valid "
            '("validation": {"conforms": true}); refusing to publish'
        )
    files = [_graph_file(dist, entry) for entry in sorted(manifest.graphs, key=lambda g: g.iri)]
    return files, manifest.data_digest


def _graph_file(dist: Path, entry: GraphEntry) -> GraphFile:
    where = f"{dist / MANIFEST_NAME}: graph {entry.iri}"
    path = (dist / entry.path).resolve()
    if not path.is_relative_to(dist.resolve()) or not path.is_file():
        raise PublishInputError(f"{where}: file {entry.path} is missing or outside the build")
    if hashlib.sha256(path.read_bytes()).hexdigest() != entry.sha256:
        raise PublishInputError(f"{where}: {entry.path} does not match its sha256; rebuild")
    return GraphFile(entry.iri, path, entry.triples)


def publish(
    dist_dir: Path,
    *,
    store_url: str,
    query_url: str,
    update_url: str | None = None,
    timeout: float = 60.0,
    user: str | None = None,
    password: str | None = None,
) -> PublishReport:
    """Upload every graph of a validated build, verify it, then switch all graphs at once.

    ``user`` and ``password`` authenticate every request (Graph Store, Update and query)
    with HTTP Basic or Digest, whichever the store asks for (``converter.httpauth``); they
    never appear in an error message.

    :raises PublishInputError: the build is not publishable, or a user without a password
        (the store was not touched).
    :raises PublishError: the store failed; unless the message says "switched", the
        previously published graphs are unchanged and the staging graphs were dropped.
    """
    started = time.monotonic()
    files, digest = read_build(Path(dist_dir))
    ends = endpoints(store_url, query_url, update_url)
    store = StoreClient(ends, timeout, _credentials(user, password))
    dropped = store.drop(store.staging_graphs())
    run = uuid.uuid4().hex[:12]
    staging = {f.iri: f"{STAGING_PREFIX}{run}/{n}" for n, f in enumerate(files)}
    try:
        for f in files:
            store.put(staging[f.iri], f.path)
            found = store.count(staging[f.iri])
            if found != f.triples:
                raise PublishError(
                    f"graph {f.iri}: the store at {ends.store_url} holds {found} "
                    f"triples of {f.path.name}, the manifest says {f.triples}; "
                    "nothing was switched"
                )
        store.switch(staging, digest)
    except BaseException:
        store.drop(staging.values(), quiet=True)
        raise
    served = _check_switch(store, files)
    return PublishReport(served, dropped, round(time.monotonic() - started, 3))


def _credentials(user: str | None, password: str | None) -> tuple[str, str] | None:
    if user is None and password is None:
        return None
    if not user or password is None:
        raise PublishInputError("HTTP auth needs both a user and a password")
    if ":" in user:
        raise PublishInputError("HTTP auth: the user name cannot contain ':'")
    return user, password


def _check_switch(store: StoreClient, files: list[GraphFile]) -> dict[str, int]:
    """``{graph: triples}`` as served after the switch, checked against the manifest.

    :raises PublishError: (says "switched") a count or the register is not what was sent.
    """
    try:
        served = {f.iri: store.count(f.iri) for f in files}
        registered = store.registered()
    except PublishError as exc:
        raise PublishError(f"switched, but could not count the published graphs: {exc}") from exc
    wrong = [
        f"{f.iri} ({served[f.iri]}, expected {f.triples})"
        for f in files
        if served[f.iri] != f.triples
    ]
    if wrong:
        raise PublishError(f"switched, but {store.ends.query_url} now counts {', '.join(wrong)}")
    if registered != {f.iri for f in files}:
        raise PublishError(
            f"switched, but the publication register <{REGISTER_GRAPH}> lists "
            f"{sorted(registered)}, not the {len(files)} graph(s) of the build"
        )
    return served
