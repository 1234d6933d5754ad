"""The embedded store: the build's graphs in an in-process Oxigraph store.

The default graph is the union of all graphs. The data is loaded once and never changes
while the server runs, so its graph list is computed once and its ``/sparql`` answers may be
cached; queries run in worker processes that can be killed at the time limit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph
from rdflib.term import Node

from converter.contract import Manifest, ManifestError
from converter.formats import RDF_FORMATS, RESULT_FORMATS, from_media_type
from converter.xmltext import checked, is_xml
from server.errors import BuildUnavailable, QuerySyntaxError, UnsupportedFormat
from server.metrics.families import store_request
from server.stores.base import Executor, QueryLimits
from server.stores.execution import AdmittingExecutor, CachingExecutor, PoolExecutor
from server.stores.terms import solutions_to_rows, triples_to_graph

GRAPHS_QUERY = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


class LocalStore:
    """An in-process Oxigraph store; the default graph is the union of all graphs."""

    def __init__(self, store: ox.Store, version: str) -> None:
        self._store = store
        self._version = version

    @classmethod
    def from_files(
        cls, files: Mapping[str, Path] | Iterable[tuple[str, Path]], *, version: str | None = None
    ) -> LocalStore:
        """Load ``{graph IRI: RDF file}`` into a fresh in-memory store.

        ``version`` identifies the data (a build passes its manifest's digests); without
        one, the files are hashed.

        :raises BuildUnavailable: a file is missing or is not valid RDF.
        """
        store = ox.Store()
        digest = hashlib.sha256()
        items = files.items() if isinstance(files, Mapping) else files
        for graph_iri, path in sorted(items):
            try:
                if version is None:
                    digest.update(f"{graph_iri}\0".encode() + Path(path).read_bytes())
                store.bulk_load(path=str(path), to_graph=ox.NamedNode(graph_iri))
            except (OSError, SyntaxError, ValueError) as exc:
                raise BuildUnavailable(f"{path}: {exc}") from exc
        return cls(store, version or digest.hexdigest())

    @classmethod
    def from_build(cls, dist_dir: Path) -> LocalStore:
        """Every named graph of the build in ``dist_dir``, as its manifest lists them.

        :raises BuildUnavailable: the build is missing, or its manifest or a graph is broken.
        """
        try:
            manifest = Manifest.read(dist_dir)
        except ManifestError as exc:
            raise BuildUnavailable(f"{exc}; run `make build`") from exc
        # The manifest already holds each graph file's sha256: no second read of the data.
        files = sorted(manifest.graph_files(dist_dir).items())
        return cls.from_files(files, version=manifest.data_digest)

    @property
    def oxigraph(self) -> ox.Store:
        """The underlying pyoxigraph store (for bulk reads such as dumps)."""
        return self._store

    def _query(self, query: str) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        try:
            return self._store.query(query, use_default_graph_as_union=True)
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc

    def ask(self, query: str) -> bool:
        with store_request("embedded", "ask"):
            result = self._query(query)
            if not isinstance(result, ox.QueryBoolean):
                raise QuerySyntaxError("not an ASK query")
            return bool(result)

    def construct(self, query: str) -> Graph:
        with store_request("embedded", "construct"):
            result = self._query(query)
            if not isinstance(result, ox.QueryTriples):
                raise QuerySyntaxError("not a CONSTRUCT or DESCRIBE query")
            return triples_to_graph(result)

    def select(self, query: str) -> list[dict[str, Node]]:
        with store_request("embedded", "select"):
            result = self._query(query)
            if not isinstance(result, ox.QuerySolutions):
                raise QuerySyntaxError("not a SELECT query")
            return solutions_to_rows(result)

    def raw_query(self, query: str, accept: str) -> tuple[bytes, str]:
        """Run any query and serialize its answer in the media type ``accept``.

        :raises UnsupportedFormat: ``accept`` does not fit the query form.
        :raises NotXmlText: ``accept`` is XML and the answer holds a character XML 1.0
            cannot carry.
        """
        with store_request("embedded", "raw"):
            result = self._query(query)
            graph = isinstance(result, ox.QueryTriples)
            fmt = from_media_type(accept, RDF_FORMATS if graph else RESULT_FORMATS)
            if fmt is None or fmt.media_type != accept:
                what = "a graph" if graph else "query results"
                raise UnsupportedFormat(f"{accept} cannot carry {what}")
            body = bytes(result.serialize(format=fmt.oxigraph) or b"")  # type: ignore[arg-type]
            return (checked(body) if is_xml(accept) else body), accept

    @cached_property
    def _graphs(self) -> dict[str, int]:
        return {str(row["g"]): int(row["n"]) for row in self.select(GRAPHS_QUERY)}  # type: ignore[call-overload]

    def graphs(self) -> dict[str, int]:
        """``{graph IRI: triples}``, counted once: the embedded data never changes."""
        return self._graphs

    def data_version(self) -> str:
        """The digest of the loaded graph files: the data never changes while we run."""
        return self._version

    def executor(self, limits: QueryLimits) -> Executor:
        """Worker processes with a copy of the data, killed at the time limit; answers cached."""
        pool = AdmittingExecutor(PoolExecutor(self._store, limits), limits)
        return CachingExecutor(pool, limits.cache_size) if limits.cache_size > 0 else pool
