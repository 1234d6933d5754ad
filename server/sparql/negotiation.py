"""Which format a query's answer is written in: ``format=`` first, else ``Accept``.

SELECT and ASK answer in a SPARQL results format, CONSTRUCT and DESCRIBE (and the service
description) in an RDF format; both lists come from the formats registry.
"""

from __future__ import annotations

from collections.abc import Sequence

from converter.formats import HTML, RDF_FORMATS, RESULT_FORMATS, Format
from server.negotiation import choose, match, not_acceptable

_DESCRIPTION_OFFER = (*RDF_FORMATS, HTML)


def answer_format(
    returns_graph: bool, accept_header: str | None, format_values: Sequence[str]
) -> Format:
    """The format of a query's answer.

    :raises ApiError: (406) nothing offered fits; the message lists the supported types.
    """
    return choose(accept_header, RDF_FORMATS if returns_graph else RESULT_FORMATS, format_values)


def description_format(accept_header: str | None, format_values: Sequence[str]) -> Format | None:
    """For GET without a query: an RDF format for the service description, or None when the
    client (a browser) prefers HTML, the query UI.

    :raises ApiError: (406) neither HTML nor any RDF type is acceptable.
    """
    if format_values:
        if any(v.strip().lower() in HTML.names for v in format_values):
            return None
        return choose(accept_header, RDF_FORMATS, format_values)
    fmt = match(accept_header, _DESCRIPTION_OFFER)
    if fmt is None:
        raise not_acceptable(_DESCRIPTION_OFFER, f"Accept: {accept_header}")
    return None if fmt is HTML else fmt
