"""The client ``publish`` talks to a SPARQL 1.1 store with: Graph Store PUT, Update, query,
over stdlib ``urllib``, each with a timeout, credentials sent as the store asks (Basic or
Digest) and hidden in every message."""

from __future__ import annotations

import base64
import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from converter.contract import BUILD_DIGEST, PUBLISHED_GRAPH, REGISTER_GRAPH, STAGING_PREFIX
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


@dataclass(frozen=True)
class Endpoints:
    store_url: str
    query_url: str
    update_url: str


class StoreClient:
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
