"""SPARQL text analysis, pure: tokenizer, prologue, query form, dataset clauses.

Shared by the endpoint's guard (server/sparql/guard.py) and the remote store, which restates
a query's FROM graphs as protocol parameters. A public endpoint must refuse, before
execution: every SPARQL Update (the endpoint is read-only), SERVICE (an engine would open a
connection to any host the caller names: the SSRF that Jena had to fix) and FROM / FROM
NAMED naming a graph we do not hold (some engines dereference those IRIs). The analysis is a
tokenizer, not a regular expression over the text: strings, comments and IRIs are skipped,
so ``"SERVICE"`` in a literal is harmless, and a keyword cannot hide inside something the
tokenizer took for a string. It is fast (a few microseconds per query), so it runs on every
request. Queries whose text mentions "service" anywhere (even inside an IRI) are
additionally parsed with rdflib's SPARQL grammar, a second opinion from an independent
parser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urljoin

from server.errors import QueryRefused, UpdateRefused

QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
#: Words that only occur in SPARQL Update, never in a query.
UPDATE_WORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH", "USING"}
)
READ_ONLY = "this endpoint is read-only: SPARQL Update is refused / 読み取り専用です（更新不可）"

_PN_CHARS = r"[\w\-\u00B7\u0300-\u036F\u203F-\u2040]"
_PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_LOCAL = rf"(?:(?:{_PN_CHARS}|:|{_PLX})(?:(?:{_PN_CHARS}|[.:]|{_PLX})*(?:{_PN_CHARS}|:|{_PLX}))?)"
_TOKEN = re.compile(
    rf"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{{}}|^`\\\x00-\x20]*>)
  | (?P<var>[?$]{_PN_CHARS}+)
  | (?P<bnode>_:{_LOCAL})
  | (?P<pname>(?:[^\W\d_](?:(?:{_PN_CHARS}|\.)*{_PN_CHARS})?)?:{_LOCAL}?)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<word>[A-Za-z_]\w*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


@dataclass(frozen=True)
class Token:
    kind: str
    text: str


@dataclass(frozen=True)
class QueryInfo:
    """What the guard learned about an accepted query."""

    form: str  #: SELECT, ASK, CONSTRUCT or DESCRIBE
    prefixes: dict[str, str] = field(default_factory=dict)
    from_graphs: tuple[str, ...] = ()
    from_named: tuple[str, ...] = ()

    @property
    def returns_graph(self) -> bool:
        return self.form in ("CONSTRUCT", "DESCRIBE")


def tokenize(text: str) -> Iterator[Token]:
    """SPARQL tokens of ``text`` without whitespace and comments."""
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind not in ("ws", "comment"):
            yield Token(kind, match.group())


def unescape_codepoints(text: str) -> str:
    """Apply SPARQL 1.1's ``\\uXXXX`` pre-processing (it may occur anywhere in a query)."""

    def _char(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF else "\ufffd"

    return _ESCAPE.sub(_char, text)


@lru_cache(maxsize=1024)
def analyse(text: str, base_iri: str) -> QueryInfo:
    """What a query is and which dataset it names (memoized: popular queries repeat).

    :raises UpdateRefused: the text is SPARQL Update.
    :raises QueryRefused: SERVICE, or not a query at all.
    """
    info = _inspect(list(tokenize(text)), base_iri)
    unescaped = unescape_codepoints(text)
    if unescaped != text:
        # Judge the pre-processed text too: an engine applying SPARQL 1.1 escapes sees it.
        _inspect(list(tokenize(unescaped)), base_iri)
    if "service" in unescaped.lower():
        _second_opinion(unescaped)
    return info


def _inspect(tokens: list[Token], base_iri: str) -> QueryInfo:
    prefixes, base, start = _prologue(tokens, base_iri)
    words = [t.text.upper() for t in tokens if t.kind == "word"]
    if any(word in UPDATE_WORDS for word in words):
        raise UpdateRefused(READ_ONLY)
    if "SERVICE" in words:
        raise QueryRefused(
            "SERVICE is not allowed: this endpoint never connects to other hosts / "
            "SERVICE（外部エンドポイントへの問い合わせ）は使えません"
        )
    first = tokens[start] if start < len(tokens) else None
    if first is None or first.kind != "word" or first.text.upper() not in QUERY_FORMS:
        found = first.text if first else "end of query"
        raise QueryRefused(
            f"syntax error: expected SELECT, ASK, CONSTRUCT or DESCRIBE, found {found!r} "
            "/ 構文エラー"
        )
    graphs, named = _dataset(tokens[start:], prefixes, base)
    return QueryInfo(first.text.upper(), prefixes, tuple(graphs), tuple(named))


def _prologue(tokens: list[Token], base: str) -> tuple[dict[str, str], str, int]:
    prefixes: dict[str, str] = {}
    i = 0
    while i < len(tokens) and tokens[i].kind == "word":
        keyword = tokens[i].text.upper()
        if keyword == "BASE" and i + 1 < len(tokens) and tokens[i + 1].kind == "iri":
            base = urljoin(base, tokens[i + 1].text[1:-1])
            i += 2
        elif (
            keyword == "PREFIX"
            and i + 2 < len(tokens)
            and tokens[i + 1].kind == "pname"
            and tokens[i + 2].kind == "iri"
        ):
            prefixes[tokens[i + 1].text.rstrip(":")] = urljoin(base, tokens[i + 2].text[1:-1])
            i += 3
        else:
            break
    return prefixes, base, i


def _dataset(tokens: list[Token], prefixes: dict[str, str], base: str) -> tuple[list, list]:
    graphs: list[str] = []
    named: list[str] = []
    for i, token in enumerate(tokens):
        if token.kind != "word" or token.text.upper() != "FROM":
            continue
        j = i + 1
        target = graphs
        if j < len(tokens) and tokens[j].kind == "word" and tokens[j].text.upper() == "NAMED":
            target, j = named, j + 1
        iri = _resolve(tokens[j], prefixes, base) if j < len(tokens) else None
        if iri is not None:
            target.append(iri)
    return graphs, named


def _resolve(token: Token, prefixes: dict[str, str], base: str) -> str | None:
    if token.kind == "iri":
        return urljoin(base, token.text[1:-1])
    if token.kind == "pname":
        prefix, _, local = token.text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
    return None  # the engine reports the syntax error


def _second_opinion(text: str) -> None:
    """Parse with rdflib and refuse any SERVICE pattern its grammar finds."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        tree = parseQuery(text)
    except ParseException as exc:
        raise QueryRefused(
            f"query mentions 'service' and could not be verified: {exc.msg} / 構文エラー"
        ) from exc
    if _contains(tree, "ServiceGraphPattern"):
        raise QueryRefused("SERVICE is not allowed / SERVICE は使えません")


def _contains(node: object, name: str) -> bool:
    from pyparsing import ParseResults

    if getattr(node, "name", None) == name:
        return True
    if isinstance(node, dict):
        return any(_contains(value, name) for value in node.values())
    if isinstance(node, list | tuple | ParseResults):
        return any(_contains(item, name) for item in node)
    return False
