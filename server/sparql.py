"""``/sparql``: a read-only SPARQL 1.1 Protocol endpoint that is safe on the open internet.

Every request goes the same way, whatever the store:
read the protocol request (sparql_protocol) → refuse updates, SERVICE, foreign FROM and
oversized queries (sparql_guard) → choose the answer's media type (sparql_negotiation) →
run it with the store's execution strategy and time limit (sparql_exec) → answer with CORS.
GET without a query answers a Service Description to RDF clients and the query UI to browsers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request, url_for
from jinja2 import Template, TemplateNotFound

from server.errors import ApiError
from server.query_examples import load_examples
from server.service_description import RDFLIB_FORMATS, service_description
from server.sparql_exec import Executor, QueryRequest, executor_for
from server.sparql_guard import check_query
from server.sparql_negotiation import choose_description_type, negotiate
from server.sparql_protocol import Operation, read_operation
from server.sparql_settings import SparqlSettings
from server.store import Store

ALLOW = "GET, HEAD, POST, OPTIONS"
#: The site's policy, except that YASGUI (CodeMirror, its result table) sets inline styles;
#: scripts stay 'self' only, and the page may only talk to this server.
UI_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
_STATIC = Path(__file__).resolve().parent / "static"
_TEXT_TYPES = ("text/", "application/n-triples")
_STANDALONE_LAYOUT = """<!doctype html>
<html lang="ja"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}{% endblock %}</title>{% block head %}{% endblock %}</head>
<body><main>{% block main %}{% endblock %}</main></body></html>"""


class SparqlBlueprint(Blueprint):
    """The ``/sparql`` blueprint; ``close()`` stops its query workers."""

    executor: Executor
    settings: SparqlSettings

    def close(self) -> None:
        self.executor.close()


def create_sparql_blueprint(
    store: Store,
    settings: SparqlSettings | Mapping[str, object] | None = None,
    *,
    executor: Executor | None = None,
) -> SparqlBlueprint:
    """The ``/sparql`` endpoint over ``store`` (its limits from ``settings``, e.g. app.config).

    :raises ValueError: a setting is malformed or an example query lacks its titles.
    """
    if not isinstance(settings, SparqlSettings):
        settings = SparqlSettings.from_mapping(settings)
    bp = SparqlBlueprint(
        "sparql",
        __name__,
        template_folder="templates",
        static_folder="static",
        static_url_path="/sparql/assets",
    )
    bp.settings = settings
    bp.executor = executor or executor_for(store, settings)
    examples = load_examples()

    def endpoint() -> Response:
        if request.method == "OPTIONS":
            return Response(status=204, headers={"Allow": ALLOW})
        if request.method not in ("GET", "HEAD", "POST"):
            raise ApiError(
                405,
                f"{request.method} is not allowed; use GET or POST / GET か POST を使ってください",
                headers={"Allow": ALLOW},
            )
        operation = read_operation(request, settings.max_body_bytes)
        if operation.query is None:
            return _describe_or_ui(operation)
        return _answer(operation)

    def _answer(operation: Operation) -> Response:
        assert operation.query is not None
        info = check_query(
            operation.query,
            max_length=settings.max_query_length,
            known_graphs=lambda: frozenset(bp.executor.graphs()),
            base_iri=settings.endpoint_iri,
        )
        media_type = negotiate(
            info.returns_graph, request.headers.get("Accept", ""), operation.formats
        )
        answer = bp.executor.execute(
            QueryRequest(
                operation.query, info, media_type, operation.default_graphs, operation.named_graphs
            )
        )
        response = Response(answer.body, content_type=_content_type(answer.media_type))
        response.headers["X-SPARQL-MaxRows"] = str(settings.max_rows)
        if answer.truncated:
            response.headers["X-SPARQL-Truncated"] = "true"
        return response

    def _describe_or_ui(operation: Operation) -> Response:
        media_type = choose_description_type(request.accept_mimetypes, operation.formats)
        if media_type is None:
            return _ui(operation.example)
        graph = service_description(request.base_url, bp.executor.graphs(), settings)
        body = graph.serialize(format=RDFLIB_FORMATS[media_type], encoding="utf-8")
        return Response(body, content_type=_content_type(media_type))

    def _ui(example_id: str | None) -> Response:
        chosen = next(
            (e for e in examples if e.id == example_id), examples[0] if examples else None
        )
        html = render_template(
            "sparql.html",
            layout=_layout(),
            examples=examples,
            examples_data=[asdict(e) for e in examples],
            initial_query=chosen.query if chosen else "SELECT * WHERE { ?s ?p ?o } LIMIT 10",
            endpoint=url_for("sparql.endpoint"),
            yasgui=(_STATIC / "vendor" / "yasgui" / "yasgui.min.js").exists(),
            settings=settings,
        )
        response = Response(html, content_type="text/html; charset=utf-8")
        response.headers["Content-Security-Policy"] = UI_CSP
        return response

    bp.add_url_rule(
        "/sparql",
        "endpoint",
        endpoint,
        methods=["GET", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"],
        provide_automatic_options=False,
    )
    bp.add_url_rule(
        "/sparql/",
        "endpoint_slash",
        endpoint,
        methods=["GET", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"],
        provide_automatic_options=False,
    )
    bp.after_request(_cors)
    return bp


def _content_type(media_type: str) -> str:
    if media_type.startswith(_TEXT_TYPES):
        return f"{media_type}; charset=utf-8"
    return media_type


def _layout() -> Template:
    """The site's base.html inside the full app; a bare page when the blueprint runs alone
    (base.html needs the app's ``t``/``lang`` globals and its other blueprints)."""
    env = current_app.jinja_env
    if "lang" in env.globals and "pages" in current_app.blueprints:
        try:
            return env.get_template("base.html")
        except TemplateNotFound:
            pass
    return env.from_string(_STANDALONE_LAYOUT)


def _cors(response: Response) -> Response:
    # The endpoint is public and keeps no cookies, so any origin may read its answers.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = ALLOW
    response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
    response.headers["Access-Control-Expose-Headers"] = "X-SPARQL-MaxRows, X-SPARQL-Truncated"
    response.headers["Access-Control-Max-Age"] = "86400"
    response.vary.add("Accept")
    return response
