"""Which media type a query's answer is written in: ``format`` parameter, else ``Accept``."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from server.errors import ApiError

#: SELECT / ASK answers; the first one is the default.
RESULT_TYPES = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
)
#: CONSTRUCT / DESCRIBE answers (and the service description); the first is the default.
GRAPH_TYPES = ("text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml")

_RESULT_ALIASES = {
    "application/json": RESULT_TYPES[0],
    "application/xml": RESULT_TYPES[1],
    "text/xml": RESULT_TYPES[1],
}
_GRAPH_ALIASES = {
    "application/turtle": "text/turtle",
    "application/x-turtle": "text/turtle",
    "text/n3": "text/turtle",
    "text/rdf+n3": "text/turtle",
    "application/n3": "text/turtle",
    "application/json": "application/ld+json",
    "application/x-json+ld": "application/ld+json",
    "text/plain": "application/n-triples",
    "application/xml": "application/rdf+xml",
    "text/xml": "application/rdf+xml",
}
#: ``format=`` / ``output=`` values (SPARQLWrapper sends both, Virtuoso and Joseki style).
_RESULT_NAMES = {
    "json": RESULT_TYPES[0],
    "srj": RESULT_TYPES[0],
    "xml": RESULT_TYPES[1],
    "srx": RESULT_TYPES[1],
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
_GRAPH_NAMES = {
    "turtle": "text/turtle",
    "ttl": "text/turtle",
    "n3": "text/turtle",
    "json-ld": "application/ld+json",
    "jsonld": "application/ld+json",
    "json": "application/ld+json",
    "nt": "application/n-triples",
    "ntriples": "application/n-triples",
    "n-triples": "application/n-triples",
    "xml": "application/rdf+xml",
    "rdf": "application/rdf+xml",
    "rdf+xml": "application/rdf+xml",
    "rdfxml": "application/rdf+xml",
}


@lru_cache(maxsize=512)
def negotiate(returns_graph: bool, accept_header: str, format_values: tuple[str, ...]) -> str:
    """:func:`choose_media_type` for a raw ``Accept`` header, memoized (clients repeat the
    same few headers, and parsing one costs more than answering a cached query).

    :raises ApiError: (406) nothing offered fits.
    """
    accept = parse_accept_header(accept_header, MIMEAccept)
    return choose_media_type(returns_graph, accept, format_values)


def choose_media_type(returns_graph: bool, accept: MIMEAccept, format_values: Sequence[str]) -> str:
    """The media type to answer in.

    :raises ApiError: (406) nothing offered fits; the message lists the supported types.
    """
    types, aliases, names = (
        (GRAPH_TYPES, _GRAPH_ALIASES, _GRAPH_NAMES)
        if returns_graph
        else (RESULT_TYPES, _RESULT_ALIASES, _RESULT_NAMES)
    )
    if format_values:
        for value in format_values:
            value = value.strip().lower()
            chosen = names.get(value) or aliases.get(value) or (value if value in types else None)
            if chosen:
                return chosen
        raise not_acceptable(types, f"format={format_values[0]!r}")
    if not accept:
        return types[0]
    best = accept.best_match([*types, *aliases])
    if best is None:
        raise not_acceptable(types, f"Accept: {accept}")
    return aliases.get(best, best)


def not_acceptable(types: Sequence[str], asked: str) -> ApiError:
    return ApiError(
        406,
        f"cannot answer in {asked}; supported: {', '.join(types)} / 対応していない形式です",
    )


def choose_description_type(accept: MIMEAccept, format_values: Sequence[str]) -> str | None:
    """For GET without a query: an RDF media type for the service description, or None
    when the client (a browser) prefers HTML, the query UI.

    :raises ApiError: (406) neither HTML nor any RDF type is acceptable.
    """
    if format_values:
        if any(v.strip().lower() in ("html", "text/html") for v in format_values):
            return None
        return choose_media_type(True, accept, format_values)
    if not accept:
        return GRAPH_TYPES[0]
    best = accept.best_match([*GRAPH_TYPES, *_GRAPH_ALIASES, "text/html", "application/xhtml+xml"])
    if best is None:
        raise not_acceptable((*GRAPH_TYPES, "text/html"), f"Accept: {accept}")
    if best in ("text/html", "application/xhtml+xml"):
        return None
    return _GRAPH_ALIASES.get(best, best)
