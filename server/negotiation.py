"""Content negotiation, once: an ``Accept`` header, a ``format=`` value or a file extension →
a :class:`~converter.formats.Format` among those a view offers.

Pages, resources, the catalog and ``/sparql`` all choose here, over the one formats registry
(converter/formats.py), so an alias such as ``text/n3`` means Turtle everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from flask import Response, g, request
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from converter.formats import Format, from_extension, from_media_type, from_name, supported_list
from server.errors import ApiError

#: Entries of one Accept header that are read; browsers send fewer than ten.
MAX_ACCEPT_ENTRIES = 100
#: Longer headers are parsed each time rather than memoized (bounded memory).
_MEMO_MAX_CHARS = 1024
#: RFC 9110 §12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
_QVALUE = re.compile(r"0(?:\.\d{0,3})?|1(?:\.0{0,3})?")


def request_header(name: str) -> str | None:
    """A request header that decides the answer; reading it here makes the answer vary on it.

    Every answer names in ``Vary`` each request header it was built from (:func:`add_vary`),
    so that no cache, ours, nginx's or a browser's, gives one reader's variant to another.
    Reading a header any other way is how an answer loses its ``Vary``.
    """
    varies_on(name)
    return request.headers.get(name)


def varies_on(*names: str) -> None:
    """Note that this request's answer depends on the headers ``names``."""
    read: set[str] = g.setdefault("varies_on", set())
    read.update(names)


def add_vary(response: Response) -> Response:
    """The after_request hook: ``Vary`` names every header the answer was built from."""
    for name in sorted(g.get("varies_on", ())):
        response.vary.add(name)
    return response


def match(accept_header: str | None, offered: tuple[Format, ...]) -> Format | None:
    """The offered format the client prefers, honouring q-values and wildcards.

    A missing or empty ``Accept`` means "anything", so the first offered format wins; ``None``
    means nothing offered is acceptable. An entry whose q is not an RFC 9110 qvalue
    (``q=nan``, ``q=inf``, ``q=-1``, ``q=1.5``, ``q=abc``) is ignored, on every route alike; a
    header with no entry left says nothing, like a missing one (see :func:`normalize_accept`).
    """
    if accept_header and len(accept_header) > _MEMO_MAX_CHARS:
        return _match(accept_header, offered)
    return _memo_match(accept_header, offered)


@lru_cache(maxsize=1024)
def _memo_match(accept_header: str | None, offered: tuple[Format, ...]) -> Format | None:
    # Memoized: clients repeat the same few headers, and parsing one costs more than
    # answering a cached query.
    return _match(accept_header, offered)


def _match(accept_header: str | None, offered: tuple[Format, ...]) -> Format | None:
    header = normalize_accept(accept_header or "")
    if not header:
        return offered[0] if offered else None
    accept = parse_accept_header(header, MIMEAccept)
    # Canonical media types go first so that an alias never outranks its own format.
    candidates = [f.media_type for f in offered] + [a for f in offered for a in f.aliases]
    best = accept.best_match(candidates)
    return from_media_type(best, offered) if best else None


def by_name(values: Sequence[str], offered: tuple[Format, ...]) -> Format:
    """The first ``format=`` value that names an offered format.

    :raises ApiError: (406) none does; the message lists what is offered.
    """
    for value in values:
        fmt = from_name(value, offered)
        if fmt is not None:
            return fmt
    raise not_acceptable(offered, f"format={values[0]!r}")


def choose(
    accept_header: str | None, offered: tuple[Format, ...], format_values: Sequence[str] = ()
) -> Format:
    """``format=`` if given, else ``Accept``.

    :raises ApiError: (406) nothing offered fits.
    """
    if format_values:
        return by_name(format_values, offered)
    fmt = match(accept_header, offered)
    if fmt is None:
        raise not_acceptable(offered, f"Accept: {accept_header}")
    return fmt


def split_extension(path: str, offered: Iterable[Format]) -> tuple[str, Format | None]:
    """Split ``"kpi/2.ttl"`` into ``("kpi/2", TURTLE)``; unknown extensions stay in the path."""
    stem, dot, ext = path.rpartition(".")
    if dot and "/" not in ext:
        fmt = from_extension(ext, offered)
        if fmt is not None:
            return stem, fmt
    return path, None


def not_acceptable(offered: Iterable[Format], asked: str) -> ApiError:
    """The 406 answer; it names the supported media types."""
    return ApiError(
        406,
        f"cannot answer in {asked}; supported media types: {supported_list(offered)} "
        "/ 対応していない形式です",
    )


def normalize_accept(header: str) -> str:
    """``Accept`` as the negotiator reads it: each media range with its q only.

    Other media-type parameters are dropped: ``application/ld+json;profile=…`` still means
    JSON-LD (werkzeug would otherwise treat the parameter as part of the type). An entry
    with an invalid q is ignored (RFC 9110 leaves the choice; ignoring it, rather than
    reading q=0, keeps the rest of the header meaningful), as are entries past
    :data:`MAX_ACCEPT_ENTRIES` and empty ones. "" when nothing is left.
    """
    items = []
    for item in header.split(",", MAX_ACCEPT_ENTRIES)[:MAX_ACCEPT_ENTRIES]:
        media, *params = (part.strip() for part in item.split(";"))
        weights = [
            v.strip() for n, _, v in (p.partition("=") for p in params) if n.strip().lower() == "q"
        ]
        if not media or (weights and not _QVALUE.fullmatch(weights[0])):
            continue
        items.append(f"{media};q={weights[0]}" if weights else media)
    return ", ".join(items)
