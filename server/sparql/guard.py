"""The endpoint's guard: what a query must pass before any store sees it.

The language-level checks (no Update, no SERVICE, a query form) are in server/syntax.py;
this adds what depends on the endpoint: the length limit, FROM graphs we really hold, and
the functions it may call (server/sparql/functions.py: SPARQL's own, the XSD casts and the
configured extensions, on every store). All are linear in the query's length and bounded in
nesting, so the guard costs milliseconds even for the longest query it accepts (no parser
runs in the web process).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from server.errors import ApiError, QueryRefused
from server.sparql.functions import check_functions
from server.syntax import QueryInfo, analyse


def check_query(
    text: str,
    *,
    max_length: int,
    known_graphs: Callable[[], frozenset[str]],
    base_iri: str,
    extension_functions: frozenset[str] = frozenset(),
) -> QueryInfo:
    """Accept a read-only, self-contained query or raise.

    :raises ApiError: (413) the text is longer than ``max_length``.
    :raises UpdateRefused: an update.
    :raises QueryRefused: SERVICE, a FROM graph we do not hold, nesting deeper than
        ``server.syntax.MAX_NESTING``, not a query at all, or a call of a function other
        than SPARQL's own, the XSD casts and ``extension_functions`` (full IRIs).
    :raises QuerySyntaxError: a string is left open.
    """
    if len(text) > max_length:
        raise ApiError(413, f"query longer than {max_length} characters / クエリが長すぎます")
    info = analyse(text, base_iri)
    if check_functions(text, extension_functions):
        info = replace(info, volatile=True)
    held = known_graphs() if info.from_graphs or info.from_named else frozenset()
    for iri in (*info.from_graphs, *info.from_named):
        if iri not in held:
            raise QueryRefused(
                f"FROM <{iri}>: not a graph of this endpoint; it never fetches data from other "
                "hosts (the service description lists its graphs) / このエンドポイントにない"
                "グラフです"
            )
    return info
