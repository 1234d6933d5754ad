"""The one place that maps an ``Accept`` header or a file extension to a format.

Format objects follow oxigraph's ``RdfFormat`` shape (media type, extension, name), so views
never compare media-type strings themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header


@dataclass(frozen=True)
class Format:
    """A representation the server can produce."""

    name: str
    media_type: str
    extension: str
    #: rdflib serializer name; ``None`` for non-RDF formats (HTML).
    rdflib_name: str | None
    #: other media types clients use for the same thing (answered with ``media_type``).
    aliases: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        """``media_type`` with the charset every text format here is written in."""
        return f"{self.media_type}; charset=utf-8"

    @property
    def is_rdf(self) -> bool:
        return self.rdflib_name is not None


HTML = Format("html", "text/html", "html", None, ("application/xhtml+xml",))
TURTLE = Format("turtle", "text/turtle", "ttl", "turtle", ("application/x-turtle",))
JSON_LD = Format("json-ld", "application/ld+json", "jsonld", "json-ld", ("application/json",))
N_TRIPLES = Format("n-triples", "application/n-triples", "nt", "nt11", ("text/plain",))
RDF_XML = Format("rdf-xml", "application/rdf+xml", "rdf", "pretty-xml", ("application/xml",))

#: Every format, in the order used to break ties (``*/*`` gets the first one offered).
FORMATS: tuple[Format, ...] = (HTML, TURTLE, JSON_LD, N_TRIPLES, RDF_XML)
RDF_FORMATS: tuple[Format, ...] = tuple(f for f in FORMATS if f.is_rdf)


def from_media_type(media_type: str) -> Format | None:
    """The format registered for a media type or one of its aliases (parameters ignored)."""
    bare = media_type.split(";", 1)[0].strip().lower()
    for fmt in FORMATS:
        if bare == fmt.media_type or bare in fmt.aliases:
            return fmt
    return None


def from_extension(extension: str) -> Format | None:
    """The format for a file extension, with or without the leading dot."""
    ext = extension.lower().lstrip(".")
    for fmt in FORMATS:
        if ext == fmt.extension:
            return fmt
    return None


def negotiate(accept_header: str | None, offered: Sequence[Format] = FORMATS) -> Format | None:
    """The offered format the client prefers, honouring q-values and wildcards.

    A missing or empty ``Accept`` means "anything", so the first offered format wins; ``None``
    means nothing offered is acceptable (the caller answers 406).
    """
    if not accept_header or not accept_header.strip():
        return offered[0] if offered else None
    accept = parse_accept_header(_without_parameters(accept_header), MIMEAccept)
    # Canonical media types go first so that an alias never outranks its own format.
    candidates = [f.media_type for f in offered] + [a for f in offered for a in f.aliases]
    best = accept.best_match(candidates)
    return from_media_type(best) if best else None


def _without_parameters(header: str) -> str:
    """Drop media-type parameters except ``q``: ``application/ld+json;profile=…`` still means
    JSON-LD (werkzeug would otherwise treat the parameter as part of the type)."""
    items = []
    for item in header.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        q = [p for p in params if p.replace(" ", "").lower().startswith("q=")]
        items.append(";".join([media, *q[:1]]))
    return ", ".join(items)


def split_extension(path: str, offered: Iterable[Format] = FORMATS) -> tuple[str, Format | None]:
    """Split ``"kpi/2.ttl"`` into ``("kpi/2", TURTLE)``; unknown extensions stay in the path."""
    stem, dot, ext = path.rpartition(".")
    if dot and "/" not in ext:
        fmt = from_extension(ext)
        if fmt is not None and fmt in tuple(offered):
            return stem, fmt
    return path, None


def supported_list(offered: Iterable[Format] = FORMATS) -> str:
    """The media types a 406 answer names."""
    return ", ".join(f.media_type for f in offered)
