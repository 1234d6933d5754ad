"""Sorted writers for N-Triples, Turtle and RDF/XML, over one shared sorted view.

rdflib's own serializers order nodes and namespaces by hash (different bytes from run to
run) and are 5-10x slower on large graphs; these write sorted triples directly. A build
writes every format of one graph: :class:`Sorted` renders and sorts its triples once for all.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from itertools import groupby
from operator import itemgetter
from xml.sax.saxutils import escape

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from converter.values import canonical_decimal
from converter.vocab import PREFIXES
from converter.xmltext import TEXT_ENTITIES, checked

_LOCAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")


#: N-Triples' string escapes (also valid in Turtle); rdflib's ``n3()`` writes a literal with a
#: line break as a triple-quoted string, which N-Triples does not have.
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


_TYPE = f"<{RDF.type}>"
_UTC = re.compile(r"[+-]00:00$")


def lexical(node: Literal) -> str:
    """The literal's lexical form, canonical (XSD 1.1) for the datatypes the data uses.

    Oxigraph stores and answers with the canonical form ("10" for "10.0"^^xsd:decimal, "Z"
    for "+00:00"), so the dumps write that form too: a term is the same string in a file
    and in an answer of the endpoint.
    """
    text = str(node)
    datatype = node.datatype
    if datatype is None or node.language:
        return text
    try:
        if datatype == XSD.decimal:
            return canonical_decimal(Decimal(text.strip()))
        if datatype == XSD.integer:
            return str(int(text.strip()))
        if datatype == XSD.boolean:
            return {"1": "true", "0": "false"}.get(text.strip(), text.strip())
    except (ValueError, ArithmeticError):
        return text  # an ill-typed literal is written as it is
    if datatype in (XSD.dateTime, XSD.time):
        return _UTC.sub("Z", text)
    return text


def literal_text(node: Literal) -> str:
    """``"text"`` with N-Triples escapes, without its language or datatype."""
    return '"' + lexical(node).translate(_ESCAPES) + '"'


#: Characters no IRI may hold (rdflib's ``n3()`` refuses the same), so no line can break.
_NOT_IN_IRI = re.compile(r'[<>" {}|\\^`]')


def _iri(node: str) -> str:
    if _NOT_IN_IRI.search(node):
        raise ValueError(f"{node!r} is not an IRI that N-Triples can carry")
    return f"<{node}>"


def _term(node: Node) -> str:
    if isinstance(node, URIRef):
        return _iri(node)
    if isinstance(node, Literal):
        text = literal_text(node)
        if node.language:
            return f"{text}@{node.language}"
        if node.datatype and node.datatype != XSD.string:  # plain = xsd:string in RDF 1.1
            return f"{text}^^{_iri(node.datatype)}"
        return text
    return node.n3()


class Sorted:
    """A graph's triples in N-Triples line order, rendered and sorted once.

    The order is that of the N-Triples file, so every writer walks the same order and
    groups a subject's triples together.
    """

    def __init__(self, graph: Graph) -> None:
        term = _term
        self.rows = [(f"{term(s)} {term(p)} {term(o)} .", s, p, o) for s, p, o in graph]
        self.rows.sort(key=itemgetter(0))

    @classmethod
    def of(cls, graph: Graph | Sorted) -> Sorted:
        return graph if isinstance(graph, Sorted) else cls(graph)

    @classmethod
    def merged(cls, parts: Iterable[Sorted]) -> Sorted:
        """The rows of several sorted views in one order, without sorting them again
        (the build's graphs are disjoint, and the N-Triples writer drops a repeated line)."""
        merged = cls(Graph())
        merged.rows = list(heapq.merge(*(part.rows for part in parts), key=itemgetter(0)))
        return merged

    @property
    def lines(self) -> Iterator[str]:
        return (row[0] for row in self.rows)

    def by_subject(self) -> Iterator[tuple[Node, list[tuple[Node, Node]]]]:
        for subject, rows in groupby(self.rows, key=itemgetter(1)):
            yield subject, [(p, o) for _, _, p, o in rows]


def ntriples(graph: Graph | Sorted) -> bytes:
    # Two rdflib literals can have one canonical form ("10.0" and "10"): one line.
    lines = dict.fromkeys(Sorted.of(graph).lines)
    return ("\n".join(lines) + "\n").encode("utf-8")


class _Prefixes:
    """Shortens IRIs with the project's prefixes, remembering which were used."""

    def __init__(self, extra: dict[str, str]) -> None:
        self.known = {str(ns): prefix for prefix, ns in PREFIXES.items()}
        self.known.update({ns: prefix for prefix, ns in extra.items()})
        self.by_length = sorted(self.known, key=len, reverse=True)
        self.used: dict[str, str] = {}

    def name(self, iri: str) -> str | None:
        for namespace in self.by_length:
            if iri.startswith(namespace) and _LOCAL.match(iri[len(namespace) :]):
                self.used[namespace] = self.known[namespace]
                return f"{self.known[namespace]}:{iri[len(namespace) :]}"
        return None


def turtle(graph: Graph | Sorted, *, extra_prefixes: dict[str, str] | None = None) -> bytes:
    """Turtle written from the N-Triples lines: only the IRIs are shortened (to prefixed
    names, ``a`` for ``rdf:type``); N-Triples' literals and escapes are valid Turtle."""
    prefixes = _Prefixes(extra_prefixes or {})
    names: dict[str, str] = {}  # N-Triples IRI term -> its Turtle form

    def iri(text: str) -> str:
        name = names.get(text)
        if name is None:
            name = names[text] = prefixes.name(text[1:-1]) or text
        return name

    def term(text: str) -> str:
        if text[0] == "<":
            return iri(text)
        if text[0] == '"' and text[-1] == ">":  # "…"^^<datatype>: no "^^" in an IRI
            value, datatype = text.rsplit("^^", 1)
            return f"{value}^^{iri(datatype)}"
        return text

    split = (line[:-2].split(" ", 2) for line in Sorted.of(graph).lines)
    blocks = []
    for subject, triples in groupby(split, key=itemgetter(0)):
        lines = [term(subject)]
        grouped = [(p, [o for _, _, o in rows]) for p, rows in groupby(triples, key=itemgetter(1))]
        for index, (predicate, objects) in enumerate(grouped):
            end = " ." if index == len(grouped) - 1 else " ;"
            values = " ,\n        ".join(term(o) for o in objects)
            verb = "a" if predicate == _TYPE else iri(predicate)
            lines.append(f"    {verb} {values}{end}")
        blocks.append("\n".join(lines))
    header = [
        f"@prefix {prefix}: <{ns}> ."
        for ns, prefix in sorted(prefixes.used.items(), key=lambda item: item[1])
    ]
    return ("\n".join(header) + "\n\n" + "\n\n".join(blocks) + "\n").encode("utf-8")


def rdf_xml(graph: Graph | Sorted) -> bytes:
    """RDF/XML, subjects in N-Triples order.

    :raises NotXmlText: a literal holds a character XML 1.0 cannot carry.
    :raises ValueError: a predicate cannot be written as an element name.
    """
    namespaces: dict[str, str] = {str(RDF): "rdf"}
    known = {str(ns): prefix for prefix, ns in PREFIXES.items()}
    qnames: dict[Node, str] = {}

    def qname(predicate: Node) -> str:
        name = qnames.get(predicate)
        if name is None:
            name = qnames[predicate] = _qname(predicate)
        return name

    def _qname(predicate: Node) -> str:
        text = str(predicate)
        cut = max(text.rfind("#"), text.rfind("/")) + 1
        namespace, local = text[:cut], text[cut:]
        if not _LOCAL.match(local):
            raise ValueError(f"{text} cannot be written as an RDF/XML element name")
        prefix = namespaces.setdefault(namespace, known.get(namespace, f"ns{len(namespaces)}"))
        return f"{prefix}:{local}"

    body = []
    for subject, pairs in Sorted.of(graph).by_subject():
        about = (
            f'rdf:nodeID="{escape(str(subject))}"'
            if isinstance(subject, BNode)
            else f'rdf:about="{escape(str(subject))}"'
        )
        body.append(f"  <rdf:Description {about}>")
        for p, o in pairs:
            name = qname(p)
            if isinstance(o, Literal):
                attrs = (
                    f' xml:lang="{o.language}"'
                    if o.language
                    else f' rdf:datatype="{escape(str(o.datatype))}"'
                    if o.datatype and o.datatype != XSD.string
                    else ""
                )
                body.append(f"    <{name}{attrs}>{escape(lexical(o), TEXT_ENTITIES)}</{name}>")
            elif isinstance(o, BNode):
                body.append(f'    <{name} rdf:nodeID="{escape(str(o))}"/>')
            else:
                body.append(f'    <{name} rdf:resource="{escape(str(o))}"/>')
        body.append("  </rdf:Description>")
    header = ['<?xml version="1.0" encoding="utf-8"?>', "<rdf:RDF"]
    header += [
        f'  xmlns:{prefix}="{escape(ns)}"'
        for ns, prefix in sorted(namespaces.items(), key=lambda item: item[1])
    ]
    header[-1] += ">"
    return checked(("\n".join([*header, *body, "</rdf:RDF>"]) + "\n").encode("utf-8"))
