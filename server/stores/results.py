"""Serialize query answers, cut at the row limit.

pyoxigraph's own serializers consume the whole answer, so a limit on rows needs a serializer
that stops after N: these write the four SPARQL results formats from pyoxigraph terms (for
graphs, pyoxigraph's ``serialize`` already takes any iterable of triples). The module imports
nothing but pyoxigraph and converter/xmltext.py (``re``) so that query worker processes start
fast. An answer XML 1.0 cannot carry is refused in XML (see :mod:`converter.xmltext`).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from converter.xmltext import TEXT_ENTITIES, checked

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


@dataclass(frozen=True)
class Answer:
    """A serialized answer: body, media type, and whether rows were cut off."""

    body: bytes
    media_type: str
    truncated: bool = False


def take(items: Iterable[Any], limit: int) -> tuple[list[Any], bool]:
    """The first ``limit`` items and whether there were more."""
    head = list(itertools.islice(items, limit + 1))
    return head[:limit], len(head) > limit


def serialize_answer(
    result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples,
    media_type: str,
    max_rows: int,
    prefixes: dict[str, str] | None = None,
) -> Answer:
    """Serialize any pyoxigraph answer in ``media_type``, keeping at most ``max_rows``."""
    if isinstance(result, ox.QueryBoolean):
        return Answer(serialize_boolean(bool(result), media_type), media_type)
    if isinstance(result, ox.QueryTriples):
        return serialize_triples(result, media_type, max_rows, prefixes)
    names = [variable.value for variable in result.variables]
    rows, cut = take(([s[n] for n in names] for s in result), max_rows)
    return Answer(serialize_rows(names, rows, media_type), media_type, cut)


def serialize_triples(
    triples: Iterable[ox.Triple],
    media_type: str,
    max_rows: int,
    prefixes: dict[str, str] | None = None,
) -> Answer:
    """Serialize at most ``max_rows`` triples in the RDF format ``media_type``.

    :raises NotXmlText: RDF/XML was asked for and a literal holds a character XML 1.0
        cannot carry.
    """
    head, cut = take(triples, max_rows)
    rdf_format = ox.RdfFormat.from_media_type(media_type)
    if rdf_format is None:
        raise ValueError(f"{media_type} is not an RDF format")
    body = bytes(ox.serialize(head, format=rdf_format, prefixes=prefixes or None) or b"")
    if rdf_format == ox.RdfFormat.RDF_XML:
        # oxigraph writes literals raw; its own layout has no CR, so each CR is in a literal.
        body = checked(body).replace(b"\r", b"&#13;")
    return Answer(body, media_type, cut)


def serialize_boolean(value: bool, media_type: str) -> bytes:
    if media_type == "application/sparql-results+xml":
        return (
            '<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{str(value).lower()}</boolean></sparql>"
        ).encode()
    if media_type == "application/sparql-results+json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    return str(value).lower().encode()  # CSV / TSV: no standard form; oxigraph's choice


def serialize_rows(
    names: Sequence[str], rows: Sequence[Sequence[Term | None]], media_type: str
) -> bytes:
    """Write solutions (``None`` = unbound) as SPARQL JSON, XML, CSV or TSV.

    :raises NotXmlText: XML was asked for and a literal holds a character XML 1.0 cannot
        carry.
    """
    if media_type == "application/sparql-results+json":
        bindings = [
            {name: _json_term(term) for name, term in zip(names, row, strict=True) if term}
            for row in rows
        ]
        doc = {"head": {"vars": list(names)}, "results": {"bindings": bindings}}
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    if media_type == "application/sparql-results+xml":
        return checked(_xml(names, rows).encode())
    if media_type == "text/tab-separated-values":
        lines = ["\t".join(f"?{n}" for n in names)]
        lines += ["\t".join("" if t is None else str(t) for t in row) for row in rows]
        return ("\n".join(lines) + "\n").encode()
    lines = [",".join(_csv_field(n) for n in names)]
    lines += [",".join(_csv_field(_csv_value(t)) for t in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode()


def _json_term(term: Term) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": _json_term(term.subject),
                "predicate": _json_term(term.predicate),
                "object": _json_term(term.object),
            },
        }
    out: dict[str, Any] = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != XSD_STRING:
        out["datatype"] = term.datatype.value
    return out


def _xml(names: Sequence[str], rows: Sequence[Sequence[Term | None]]) -> str:
    parts = ['<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
    parts += [f"<variable name={quoteattr(n)}/>" for n in names]
    parts.append("</head><results>")
    for row in rows:
        parts.append("<result>")
        for name, term in zip(names, row, strict=True):
            if term is not None:
                parts.append(f"<binding name={quoteattr(name)}>{_xml_term(term)}</binding>")
        parts.append("</result>")
    parts.append("</results></sparql>")
    return "".join(parts)


def _xml_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Triple):
        return (
            f"<triple><subject>{_xml_term(term.subject)}</subject><predicate>"
            f"{_xml_term(term.predicate)}</predicate><object>{_xml_term(term.object)}"
            "</object></triple>"
        )
    text = escape(term.value, TEXT_ENTITIES)
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{text}</literal>"
    if term.datatype.value != XSD_STRING:
        return f"<literal datatype={quoteattr(term.datatype.value)}>{text}</literal>"
    return f"<literal>{text}</literal>"


def _csv_value(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.NamedNode | ox.Literal):
        return term.value
    return str(term)


def _csv_field(value: str) -> str:
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value
