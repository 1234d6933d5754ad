"""``/sparql``: a read-only SPARQL 1.1 Protocol endpoint that is safe on the open internet.

Every request goes the same way, whatever the store:
read the protocol request (protocol) → refuse updates, SERVICE, foreign FROM, functions
that are not SPARQL's own and oversized queries (guard, over server/syntax.py) → choose the
answer's format (negotiation) → run it with the store's own executor and time limit
(``Store.executor``) → answer with CORS.
GET without a query answers a Service Description to RDF clients and the query UI to browsers.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request, url_for
from jinja2 import Template

from converter.formats import Format
from server.config import Settings
from server.errors import ApiError
from server.metrics.families import SPARQL, sparql_outcome
from server.negotiation import request_header
from server.sparql.description import service_description
from server.sparql.examples import Example, load_examples
from server.sparql.guard import check_query
from server.sparql.negotiation import answer_format, description_format
from server.sparql.protocol import Operation, read_operation
from server.stores.base import Executor, QueryLimits, QueryRequest, Store

ALLOW = "GET, HEAD, POST, OPTIONS"
METHODS = ["GET", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"]
#: The site's policy, except that YASGUI (CodeMirror, its result table) sets inline styles;
#: scripts stay 'self' only, and the page may only talk to this server.
UI_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
_SERVER = Path(__file__).resolve().parents[1]
_STATIC = _SERVER / "static"
_STANDALONE_LAYOUT = """<!doctype html>
<html lang="ja"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}{% endblock %}</title>{% block head %}{% endblock %}</head>
<body><main>{% block main %}{% endblock %}</main></body></html>"""


class SparqlBlueprint(Blueprint):
    """The ``/sparql`` blueprint over one store; ``close()`` stops its query workers."""

    store: Store
    executor: Executor
    settings: Settings
    examples: list[Example]
    layout: str | None  #: the site's page template the query UI extends (None: a bare page)

    def close(self) -> None:
        self.executor.close()


def create_sparql_blueprint(
    store: Store, settings: Settings, *, layout: str | None = None
) -> SparqlBlueprint:
    """The ``/sparql`` endpoint over ``store``, within the limits of ``settings``; its query
    UI extends the template ``layout`` (the site's page), or is a bare page without one.

    :raises ValueError: an example query lacks its titles.
    """
    bp = SparqlBlueprint(
        "sparql",
        __name__,
        template_folder="templates",
        static_folder=str(_STATIC),
        static_url_path="/sparql/assets",
    )
    bp.store, bp.settings, bp.layout = store, settings, layout
    bp.executor = store.executor(query_limits(settings))
    bp.examples = load_examples()

    def view() -> Response:
        return _endpoint(bp)

    for rule, name in (("/sparql", "endpoint"), ("/sparql/", "endpoint_slash")):
        bp.add_url_rule(rule, name, view, methods=METHODS, provide_automatic_options=False)
    bp.after_request(_cors)
    return bp


def query_limits(settings: Settings) -> QueryLimits:
    """What one ``/sparql`` query may cost, for the store's executor."""
    return QueryLimits(
        timeout=settings.sparql_timeout,
        max_rows=settings.sparql_max_rows,
        workers=settings.sparql_workers,
        worker_memory_mb=settings.worker_memory_mb,
        cache_size=settings.sparql_cache_size,
        concurrency=settings.sparql_concurrency,
        base_iri=settings.endpoint_iri,
    )


def _endpoint(bp: SparqlBlueprint) -> Response:
    # The time limit covers the whole request: reading its body and the guard count too.
    deadline = time.monotonic() + bp.settings.sparql_timeout
    if request.method == "OPTIONS":
        return Response(status=204, headers={"Allow": ALLOW})
    if request.method not in ("GET", "HEAD", "POST"):
        raise ApiError(
            405,
            f"{request.method} is not allowed; use GET or POST / GET か POST を使ってください",
            headers={"Allow": ALLOW},
        )
    try:
        operation = read_operation(request, bp.settings.sparql_max_body_bytes)
        if operation.query is None:
            return _describe_or_ui(bp, operation)
        response = _answer(bp, operation, operation.query, deadline)
    except Exception as exc:  # counted here, answered by the error handlers
        SPARQL.labels(sparql_outcome(exc)).inc()
        raise
    SPARQL.labels(sparql_outcome(None)).inc()
    return response


def _answer(bp: SparqlBlueprint, operation: Operation, query: str, deadline: float) -> Response:
    settings = bp.settings
    info = check_query(
        query,
        max_length=settings.sparql_max_query_length,
        known_graphs=lambda: frozenset(bp.store.graphs()),
        base_iri=settings.endpoint_iri,
        extension_functions=settings.extension_functions,
    )
    fmt = answer_format(info.returns_graph, request_header("Accept"), operation.formats)
    answer = bp.executor.execute(
        QueryRequest(
            query,
            info,
            fmt.media_type,
            operation.default_graphs,
            operation.named_graphs,
            deadline,
        )
    )
    response = Response(answer.body, content_type=_content_type(fmt))
    response.headers["X-SPARQL-MaxRows"] = str(settings.sparql_max_rows)
    if info.volatile:  # NOW(), RAND(), UUID(), STRUUID(): no cache may repeat this answer
        response.cache_control.no_store = True
    if answer.truncated:
        response.headers["X-SPARQL-Truncated"] = "true"
    return response


def _describe_or_ui(bp: SparqlBlueprint, operation: Operation) -> Response:
    fmt = description_format(request_header("Accept"), operation.formats)
    if fmt is None:
        return _ui(bp, operation.example)
    # The configured public IRI, never the Host header: a client chooses that one.
    graph = service_description(bp.settings.endpoint_iri, bp.store.graphs(), bp.settings)
    body = fmt.serialize(graph, base_iri=bp.settings.base_iri or "")
    return Response(body, content_type=_content_type(fmt))


def _ui(bp: SparqlBlueprint, example_id: str | None) -> Response:
    examples = bp.examples
    chosen = next((e for e in examples if e.id == example_id), examples[0] if examples else None)
    html = render_template(
        "sparql/sparql.html",
        layout=_layout(bp.layout),
        examples=examples,
        examples_data=[asdict(e) for e in examples],
        initial_query=chosen.query if chosen else "SELECT * WHERE { ?s ?p ?o } LIMIT 10",
        endpoint=url_for("sparql.endpoint"),
        yasgui=(_STATIC / "vendor" / "yasgui" / "yasgui.min.js").exists(),
        settings=bp.settings,
    )
    response = Response(html, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = UI_CSP
    return response


def _content_type(fmt: Format) -> str:
    # SPARQL JSON and XML results carry their encoding themselves; text types get a charset.
    return (
        fmt.content_type
        if fmt.media_type.startswith(("text/", "application/n-"))
        else (fmt.media_type)
    )


def _layout(name: str | None) -> Template:
    """The site's page (``name``, given by the app), or a bare page when the blueprint runs
    alone (the site's page needs the app's globals and its other routes)."""
    env = current_app.jinja_env
    return env.get_template(name) if name else env.from_string(_STANDALONE_LAYOUT)


def _cors(response: Response) -> Response:
    # The endpoint is public and keeps no cookies, so any origin may read its answers.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = ALLOW
    response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
    response.headers["Access-Control-Expose-Headers"] = "X-SPARQL-MaxRows, X-SPARQL-Truncated"
    response.headers["Access-Control-Max-Age"] = "86400"
    response.vary.add("Accept")
    return response
