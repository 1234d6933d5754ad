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

import base64
import hashlib
import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from converter.contract import (
    BUILD_DIGEST,
    MANIFEST_NAME,
    PUBLISHED_GRAPH,
    REGISTER_GRAPH,
    STAGING_PREFIX,
    GraphEntry,
    Manifest,
    ManifestError,
)
from converter.errors import ConverterError
from converter.httpauth import Authenticator
from converter.queries import graph_count_query

#: N-Triples is a subset of Turtle, and Turtle is the format every GSP store accepts.
UPLOAD_MEDIA_TYPE = "text/turtle"
RESULTS_JSON = "application/sparql-results+json"
FORM = "application/x-www-form-urlencoded"
_GRAPHS_QUERY = "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"
_GRAPHS_WITH_TRIPLES_QUERY = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"


class PublishError(ConverterError):
    """Publishing failed; the message names the graph, the URL and the problem (exit 4)."""


class PublishInputError(PublishError):
    """The build or the configuration cannot be published (exit 2); the store was not touched."""


@dataclass(frozen=True)
class GraphFile:
    """One named graph of a build: its IRI, N-Triples file and triple count (manifest)."""

    iri: str
    path: Path
    triples: int


@dataclass(frozen=True)
class Endpoints:
    store_url: str
    query_url: str
    update_url: str


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
    store = _Client(ends, timeout, _credentials(user, password))
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


def _check_switch(store: _Client, files: list[GraphFile]) -> dict[str, int]:
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


class _Client:
    """The three standard calls publish needs, over stdlib ``urllib``, each with a timeout
    (and credentials, sent as the store asks and hidden in every message)."""

    def __init__(
        self, ends: Endpoints, timeout: float, credentials: tuple[str, str] | None = None
    ) -> None:
        self.ends = ends
        self.timeout = timeout
        self._secrets: list[str] = []
        self._auth: Authenticator | None = None
        if credentials is not None:
            self._auth = Authenticator(*credentials)
            token = base64.b64encode(":".join(credentials).encode()).decode("ascii")
            # Longest first, so a secret that contains another is hidden whole.
            secrets = {token, ":".join(credentials), credentials[1]} - {""}
            self._secrets = sorted(secrets, key=len, reverse=True)

    def put(self, graph: str, path: Path) -> None:
        separator = "&" if "?" in self.ends.store_url else "?"
        url = f"{self.ends.store_url}{separator}{urllib.parse.urlencode({'graph': graph})}"
        self._call(
            url, path.read_bytes(), UPLOAD_MEDIA_TYPE, f"uploading {path.name}", method="PUT"
        )

    def update(self, text: str) -> None:
        form = urllib.parse.urlencode({"update": text}).encode()
        self._call(self.ends.update_url, form, FORM, "SPARQL Update " + text.split("\n")[0][:120])

    def switch(self, staging: dict[str, str], digest: str) -> None:
        """Move every ``{target: staging}`` graph and rewrite the register, in ONE request;
        the register names the build's ``digest`` too (readers keep what they rendered while
        it is the same).

        One Update request is one transaction on Oxigraph and Fuseki/TDB2: readers see the
        old graphs and the old register, or the new graphs and the new register.
        """
        live = " ".join(f"<{target}> a <{PUBLISHED_GRAPH}> ." for target in sorted(staging))
        live += f' <{REGISTER_GRAPH}> <{BUILD_DIGEST}> "{digest}" .'
        self.update(
            ";\n".join(
                [
                    *(f"MOVE <{temp}> TO <{target}>" for target, temp in staging.items()),
                    f"DROP SILENT GRAPH <{REGISTER_GRAPH}>",
                    f"INSERT DATA {{ GRAPH <{REGISTER_GRAPH}> {{ {live} }} }}",
                ]
            )
        )

    def query(self, query: str) -> dict[str, object]:
        """The SPARQL JSON results of ``query`` (a dict with ``results`` or ``boolean``)."""
        form = urllib.parse.urlencode({"query": query}).encode()
        answer = self._call(self.ends.query_url, form, FORM, "query", accept=RESULTS_JSON)
        try:
            return dict(json.loads(answer))
        except (ValueError, TypeError) as exc:
            raise PublishError(f"{self.ends.query_url}: unreadable query results ({exc})") from exc

    def select(self, query: str) -> list[dict[str, dict[str, str]]]:
        results = self.query(query).get("results")
        return list(results.get("bindings", [])) if isinstance(results, dict) else []

    def count(self, graph: str) -> int:
        rows = self.select(graph_count_query(graph))
        try:
            return int(rows[0]["n"]["value"])
        except (IndexError, KeyError, ValueError) as exc:
            raise PublishError(f"{self.ends.query_url}: no count for graph {graph}") from exc

    def staging_graphs(self) -> list[str]:
        """Staging graphs left behind by interrupted publishes (one publisher at a time)."""
        return [g for g in self.graph_names() if g.startswith(STAGING_PREFIX)]

    def graph_names(self) -> list[str]:
        """Every named graph of the store.

        ``GRAPH ?g { }`` lists graphs without reading their triples, but Virtuoso (which has
        no empty graphs) answers it with one solution that binds nothing; such a store is
        asked for the graphs that hold a triple instead. (Filtered here, not in the query, so
        that the unbound solution shows.)
        """
        rows = self.select(_GRAPHS_QUERY)
        if any("g" not in row for row in rows):
            rows = self.select(_GRAPHS_WITH_TRIPLES_QUERY)
        return [row["g"]["value"] for row in rows if "g" in row]

    def registered(self) -> set[str]:
        """The graphs the publication register marks live."""
        rows = self.select(
            f"SELECT ?g WHERE {{ GRAPH <{REGISTER_GRAPH}> {{ ?g a <{PUBLISHED_GRAPH}> }} }}"
        )
        return {row["g"]["value"] for row in rows if "g" in row}

    def drop(self, graphs: Iterable[str], *, quiet: bool = False) -> int:
        graphs = list(graphs)
        if not graphs:
            return 0
        try:
            self.update(";\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs))
        except PublishError:
            if not quiet:
                raise
        return len(graphs)

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def _call(
        self,
        url: str,
        body: bytes,
        content_type: str,
        what: str,
        *,
        method: str = "POST",
        accept: str = "*/*",
    ) -> bytes:
        """Send one request; a failure is a :class:`PublishError` without the credentials.

        A 401 that asks for credentials this client holds gets one more try with them.

        :raises PublishError: the store answered an error status, timed out or is unreachable.
        """
        headers = {"Content-Type": content_type, "Accept": accept}
        request = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            try:
                return self._send(request)
            except urllib.error.HTTPError as exc:
                if not self._retry(exc, request):
                    raise
            return self._send(request)  # with the credentials the store asked for
        except Exception as exc:  # noqa: BLE001 - mapped (and redacted) below, or re-raised
            message = _failure(exc, what, url, self.timeout)
            if message is None:
                raise
            raise PublishError(self._redact(message)) from exc

    def _send(self, request: urllib.request.Request) -> bytes:
        if self._auth is not None:
            header = self._auth.header(request.get_method(), request.full_url)
            if header is not None:
                request.add_header("Authorization", header)
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            return bytes(response.read())

    def _retry(self, exc: urllib.error.HTTPError, request: urllib.request.Request) -> bool:
        """Whether a 401 asks for credentials this client can send (it then holds them)."""
        if self._auth is None or exc.code != 401:
            return False
        challenges = exc.headers.get_all("WWW-Authenticate") or []
        if not self._auth.challenged(challenges, sent=request.get_header("Authorization")):
            return False
        exc.close()
        return True


def _failure(exc: Exception, what: str, url: str, timeout: float) -> str | None:
    """What went wrong with one request, in words (None: not a network or HTTP failure)."""
    if isinstance(exc, urllib.error.HTTPError):
        detail = exc.read()[:300].decode("utf-8", "replace").strip()
        exc.close()
        return f"{what}: {url} answered HTTP {exc.code}: {detail}"
    if isinstance(exc, urllib.error.URLError) and not isinstance(exc.reason, TimeoutError):
        return f"{what}: cannot reach {url} ({exc.reason})"
    if isinstance(exc, urllib.error.URLError | TimeoutError):
        return f"{what}: {url} did not answer within {timeout} s"
    if isinstance(exc, OSError | http.client.HTTPException):
        return f"{what}: {url} failed ({exc!r})"
    return None
