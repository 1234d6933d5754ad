"""Publish a validated build into any SPARQL 1.1 store, with standard protocols only.

Each graph of ``dist/manifest.json`` is uploaded beside its target with the Graph Store
HTTP Protocol (``PUT <store>?graph=<staging IRI>``), its triple count is checked with a
SPARQL ``COUNT`` against the manifest, and only when every graph checks out are all of
them switched in one SPARQL 1.1 Update request (``MOVE <staging> TO <target>; …``). A
publish that stops before the switch leaves the previous edition in the target graphs.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import click

from converter.errors import ConverterError

#: Staging graphs are named under this prefix; leftovers of interrupted runs are dropped.
STAGING_PREFIX = "urn:x-dx-lod:publish-staging:"
#: N-Triples is a subset of Turtle, and Turtle is the format every GSP store accepts.
UPLOAD_MEDIA_TYPE = "text/turtle"
RESULTS_JSON = "application/sparql-results+json"
FORM = "application/x-www-form-urlencoded"
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$")


class PublishError(ConverterError):
    """Publishing failed; the message names the graph, the URL and the problem (exit 4)."""

    exit_code = 4


class PublishInputError(PublishError):
    """The build or the configuration cannot be published (exit 2); the store was not touched."""

    exit_code = 2


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
    #: False when the store's default graph is not the union of its graphs (see README).
    union_default_graph: bool | None
    seconds: float


def endpoints(
    store_url: str, query_url: str | None = None, update_url: str | None = None
) -> Endpoints:
    """Complete the endpoint URLs; ``…/store`` or ``…/data`` imply sibling ``query``/``update``.

    A bare ``http://host:port`` is taken as an Oxigraph server (``/store``, ``/query``,
    ``/update``).

    :raises PublishInputError: a URL is not http(s) or cannot be derived.
    """
    parts = urllib.parse.urlsplit(store_url)
    if parts.path in ("", "/"):
        store_url = store_url.rstrip("/") + "/store"
    head, _, last = store_url.rstrip("/").rpartition("/")
    sibling = last in ("store", "data")
    query_url = query_url or (f"{head}/query" if sibling else None)
    if query_url is None:
        raise PublishInputError(
            f"cannot derive the query endpoint from {store_url}; pass --query-url"
        )
    if update_url is None:
        q_head, _, q_last = query_url.rstrip("/").rpartition("/")
        if sibling:
            update_url = f"{head}/update"
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


def read_build(dist_dir: Path) -> list[GraphFile]:
    """The graphs of a validated build, checked against the manifest (file, sha256, count).

    :raises PublishInputError: no manifest, not marked SHACL-valid, or inconsistent.
    """
    manifest_path = Path(dist_dir) / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PublishInputError(
            f"{manifest_path}: missing; the build did not finish or failed "
            "SHACL validation; nothing was published"
        ) from exc
    except (OSError, ValueError) as exc:
        raise PublishInputError(f"{manifest_path}: unreadable ({exc})") from exc
    validation = manifest.get("validation") if isinstance(manifest, dict) else None
    if not isinstance(validation, dict) or validation.get("conforms") is not True:
        raise PublishInputError(
            f"{manifest_path}: the build is not marked SHACL-valid "
            '("validation": {"conforms": true}); refusing to publish'
        )
    graphs = manifest.get("graphs")
    if not isinstance(graphs, dict) or not graphs:
        raise PublishInputError(f'{manifest_path}: no "graphs" to publish')
    return [_graph_file(manifest, Path(dist_dir), iri, rel) for iri, rel in sorted(graphs.items())]


def _graph_file(manifest: dict[str, object], dist: Path, iri: object, rel: object) -> GraphFile:
    where = f"{dist / 'manifest.json'}: graph {iri}"
    if not isinstance(iri, str) or not _IRI.match(iri) or not isinstance(rel, str):
        raise PublishInputError(f"{where}: not an absolute IRI mapped to a file")
    path = (dist / rel).resolve()
    if not path.is_relative_to(dist.resolve()) or not path.is_file():
        raise PublishInputError(f"{where}: file {rel} is missing or outside the build")
    entry = _file_entry(manifest.get("files"), rel)
    counts = manifest.get("graph_triples")
    triples = counts.get(iri) if isinstance(counts, dict) else entry.get("triples")
    if not isinstance(triples, int) or isinstance(triples, bool):
        raise PublishInputError(f"{where}: the manifest gives no triple count for {rel}")
    digest = entry.get("sha256")
    if digest is not None and hashlib.sha256(path.read_bytes()).hexdigest() != digest:
        raise PublishInputError(f"{where}: {rel} does not match its sha256; rebuild")
    return GraphFile(iri, path, triples)


def _file_entry(files: object, rel: str) -> dict[str, object]:
    """The manifest's entry for ``rel`` (for its sha256): ``{path: {…}}`` or ``[{"path": …}]``."""
    if isinstance(files, dict) and isinstance(files.get(rel), dict):
        return dict(files[rel])
    if isinstance(files, list):
        for entry in files:
            if isinstance(entry, dict) and entry.get("path") == rel:
                return dict(entry)
    return {}


def publish(
    dist_dir: Path,
    *,
    store_url: str,
    query_url: str,
    update_url: str | None = None,
    timeout: float = 60.0,
) -> PublishReport:
    """Upload every graph of a validated build, verify it, then switch all graphs at once.

    :raises PublishInputError: the build is not publishable (the store was not touched).
    :raises PublishError: the store failed; unless the message says "switched", the
        previously published graphs are unchanged and the staging graphs were dropped.
    """
    started = time.monotonic()
    files = read_build(Path(dist_dir))
    ends = endpoints(store_url, query_url, update_url)
    store = _Client(ends, timeout)
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
        store.update(";\n".join(f"MOVE <{staging[f.iri]}> TO <{f.iri}>" for f in files))
    except BaseException:
        store.drop(staging.values(), quiet=True)
        raise
    try:
        served = {f.iri: store.count(f.iri) for f in files}
    except PublishError as exc:
        raise PublishError(f"switched, but could not count the published graphs: {exc}") from exc
    wrong = [
        f"{f.iri} ({served[f.iri]}, expected {f.triples})"
        for f in files
        if served[f.iri] != f.triples
    ]
    if wrong:
        raise PublishError(f"switched, but {ends.query_url} now counts {', '.join(wrong)}")
    return PublishReport(
        served, dropped, store.serves_union(files), round(time.monotonic() - started, 3)
    )


class _Client:
    """The three standard calls publish needs, over stdlib ``urllib``, each with a timeout."""

    def __init__(self, ends: Endpoints, timeout: float) -> None:
        self.ends = ends
        self.timeout = timeout

    def put(self, graph: str, path: Path) -> None:
        separator = "&" if "?" in self.ends.store_url else "?"
        url = f"{self.ends.store_url}{separator}{urllib.parse.urlencode({'graph': graph})}"
        self._call(
            url, path.read_bytes(), UPLOAD_MEDIA_TYPE, f"uploading {path.name}", method="PUT"
        )

    def update(self, text: str) -> None:
        form = urllib.parse.urlencode({"update": text}).encode()
        self._call(self.ends.update_url, form, FORM, "SPARQL Update " + text.split("\n")[0][:120])

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
        rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        try:
            return int(rows[0]["n"]["value"])
        except (IndexError, KeyError, ValueError) as exc:
            raise PublishError(f"{self.ends.query_url}: no count for graph {graph}") from exc

    def staging_graphs(self) -> list[str]:
        """Staging graphs left behind by interrupted publishes (one publisher at a time)."""
        rows = self.select(
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { } "
            f'FILTER(STRSTARTS(STR(?g), "{STAGING_PREFIX}")) }}'
        )
        return [row["g"]["value"] for row in rows if "g" in row]

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

    def serves_union(self, files: list[GraphFile]) -> bool | None:
        """Whether a published triple is visible without ``GRAPH`` (union default graph)."""
        for f in files:
            with f.path.open(encoding="utf-8") as lines:
                triple = next(
                    (line.strip() for line in lines if line.strip() and not line.startswith("#")),
                    None,
                )
            if triple:
                try:
                    return self.query(f"ASK {{ {triple} }}").get("boolean") is True
                except PublishError:
                    return None
        return None

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
        request = urllib.request.Request(
            url, data=body, method=method, headers={"Content-Type": content_type, "Accept": accept}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return bytes(response.read())
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:300].decode("utf-8", "replace").strip()
            exc.close()
            raise PublishError(f"{what}: {url} answered HTTP {exc.code}: {detail}") from exc
        except urllib.error.URLError as exc:
            if not isinstance(exc.reason, TimeoutError):
                raise PublishError(f"{what}: cannot reach {url} ({exc.reason})") from exc
            raise PublishError(f"{what}: {url} did not answer within {self.timeout} s") from exc
        except TimeoutError as exc:
            raise PublishError(f"{what}: {url} did not answer within {self.timeout} s") from exc
        except (OSError, http.client.HTTPException) as exc:
            raise PublishError(f"{what}: {url} failed ({exc!r})") from exc


@click.command("publish")
@click.argument("dist", type=click.Path(path_type=Path))
@click.option(
    "--store",
    "store_url",
    required=True,
    envvar="DX_PUBLISH_STORE",
    help="Graph Store Protocol URL (…/store, …/data) or an Oxigraph base URL.",
)
@click.option("--query-url", help="SPARQL query endpoint [default: sibling …/query].")
@click.option("--update-url", help="SPARQL update endpoint [default: sibling …/update].")
@click.option(
    "--timeout",
    type=float,
    default=60.0,
    show_default=True,
    help="Seconds to wait for each request.",
)
def publish_command(
    dist: Path, store_url: str, query_url: str | None, update_url: str | None, timeout: float
) -> None:
    """Publish the validated build DIST into a SPARQL 1.1 store.

    Exit codes: 0 published; 2 input/config error (not a validated build, bad URL; the
    store was not touched); 4 store failure (the previous edition is still served unless
    the message says "switched"); 3 internal error.
    """
    ctx = click.get_current_context()
    try:
        ends = endpoints(store_url, query_url, update_url)
        report = publish(
            dist,
            store_url=ends.store_url,
            query_url=ends.query_url,
            update_url=ends.update_url,
            timeout=timeout,
        )
    except PublishError as exc:
        click.echo(f"publish: {exc}", err=True)
        ctx.exit(exc.exit_code)
    except Exception as exc:  # noqa: BLE001 - the CLI promises no traceback
        click.echo(f"publish: internal error: {exc!r}", err=True)
        ctx.exit(3)
    for iri, triples in report.graphs.items():
        click.echo(f"{iri}\t{triples} triples")
    if report.stale_staging_dropped:
        click.echo(f"dropped {report.stale_staging_dropped} staging graph(s) of an earlier run")
    if report.union_default_graph is False:
        click.echo(
            "warning: the store's default graph is not the union of its graphs; "
            "the server will not see the data (see README)",
            err=True,
        )
    click.echo(f"published {len(report.graphs)} graph(s) to {ends.store_url} in {report.seconds} s")
