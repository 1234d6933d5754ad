"""SPARQL text analysis, pure: tokenizer, prologue, query form, dataset clauses.

Shared by the endpoint's guard (server/sparql/guard.py) and the remote store, which restates
a query's FROM graphs as protocol parameters. A public endpoint must refuse, before
execution: every SPARQL Update (the endpoint is read-only), SERVICE (an engine would open a
connection to any host the caller names: the SSRF that Jena had to fix) and FROM / FROM
NAMED naming a graph we do not hold (some engines dereference those IRIs). The analysis is a
tokenizer, not a regular expression over the text: strings, comments and IRIs are skipped,
so ``"SERVICE"`` in a literal is harmless, and a keyword cannot hide inside something the
tokenizer took for a string (strings follow the grammar exactly; one left open refuses the
query). Oxigraph's parser matches keywords without a word boundary (``SERVICEex:s {}``,
``trueSERVICE<…>``, ``FROMNAMED<…>`` all parse), so a word or prefix that merely contains
SERVICE, FROM or NAMED is refused too (:func:`_glued`).

Every pattern is linear in the text's length (no rescanning: a dotted run of name
characters is taken in one match, possessively, and split afterwards), so a 20,000
character query costs milliseconds whatever it holds; nesting is bounded by
:data:`MAX_NESTING`, because the engine's recursive parser overflows its stack on a few
thousand levels.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urljoin

from server.errors import QueryRefused, QuerySyntaxError, UpdateRefused

QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
#: Words that only occur in SPARQL Update, never in a query.
UPDATE_WORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH", "USING"}
)
READ_ONLY = "this endpoint is read-only: SPARQL Update is refused / 読み取り専用です（更新不可）"
SERVICE_REFUSED = (
    "SERVICE is not allowed: this endpoint never connects to other hosts / "
    "SERVICE（外部エンドポイントへの問い合わせ）は使えません"
)
DEFINE_REFUSED = (
    "DEFINE (Virtuoso's pragmas) is not SPARQL and not allowed / "
    "DEFINE（Virtuoso のプラグマ）は使えません"
)
#: IRIs an engine runs code for: Virtuoso's ``bif:``/``sql:`` prefixes name the IRIs
#: ``bif:NAME`` and ``sql:NAME`` (SQL built-ins and stored procedures, ``bif:exec`` among them).
VIRTUOSO_NAMESPACES = (
    "bif:",
    "sql:",
    "http://www.openlinksw.com/schemas/bif#",
    "http://www.openlinksw.com/schemas/sql#",
)
#: Brackets deeper than this are refused: Oxigraph's recursive parser overflows a query
#: worker's stack at about 2,500 nested braces; real queries stay under 20.
MAX_NESTING = 64
_OPEN, _CLOSE = frozenset("{(["), frozenset("})]")
#: Keywords that must stand apart from names (see the module docstring).
_HIDDEN = ("SERVICE", "FROM", "NAMED")

_PN_CHARS = r"[\w\-\u00B7\u0300-\u036F\u203F-\u2040]"
_PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_LOCAL = rf"(?:(?:{_PN_CHARS}|:|{_PLX})(?:(?:{_PN_CHARS}|[.:]|{_PLX})*(?:{_PN_CHARS}|:|{_PLX}))?)"
#: ECHAR of the grammar, and the \u escapes an engine may apply inside strings.
_ECHAR = r"""\\(?:[tbnrf"'\\]|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})"""
_TOKEN = re.compile(
    rf"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>'''(?:[^'\\]|{_ECHAR}|'(?!''))*'''|\"\"\"(?:[^"\\]|{_ECHAR}|"(?!""))*\"\"\"
              |'(?!'')(?:[^'\\\n\r]|{_ECHAR})*'|"(?!"")(?:[^"\\\n\r]|{_ECHAR})*")
  | (?P<unterminated>['"])
  | (?P<iri><[^<>"{{}}|^`\\\x00-\x20]*>)
  | (?P<var>[?$]{_PN_CHARS}+)
  | (?P<bnode>_:{_LOCAL})
  | (?P<run>[^\W\d_](?:{_PN_CHARS}|\.)*+(?:(?<=\.)|(?!:)))
  | (?P<pname>(?:[^\W\d_](?:(?:{_PN_CHARS}|\.)*{_PN_CHARS})?)?:{_LOCAL}?)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<word>[^\W\d]\w*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
#: The parts of a ``run``: name characters and dots that are not a prefixed name.
_RUN_PART = re.compile(r"(?P<word>[^\W\d]\w*)|(?P<other>.)", re.DOTALL)
_WORD = re.compile(r"[^\W\d]\w*")
_SKIPPED = frozenset({"ws", "comment"})
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


class Token(NamedTuple):
    kind: str
    text: str


@dataclass(frozen=True)
class QueryInfo:
    """What the guard learned about an accepted query."""

    form: str  #: SELECT, ASK, CONSTRUCT or DESCRIBE
    prefixes: dict[str, str] = field(default_factory=dict)
    from_graphs: tuple[str, ...] = ()
    from_named: tuple[str, ...] = ()
    #: calls NOW, RAND, UUID or STRUUID: its answer differs each time (never cached)
    volatile: bool = False

    @property
    def returns_graph(self) -> bool:
        return self.form in ("CONSTRUCT", "DESCRIBE")


def tokenize(text: str) -> Iterator[Token]:
    """SPARQL tokens of ``text`` without whitespace and comments.

    A string left open ends the tokens with one ``unterminated`` token (the rest of the
    text): no engine reads past it, and guessing where it ends could hide a keyword.
    """
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind in _SKIPPED:
            continue
        if kind == "run":
            run = match.group()
            if _WORD.fullmatch(run):  # most runs are one keyword or name: no split needed
                yield Token("word", run)
            else:
                for part in _RUN_PART.finditer(run):
                    yield Token(part.lastgroup or "other", part.group())
        elif kind == "unterminated":
            yield Token(kind, text[match.start() :])
            return
        else:
            yield Token(kind or "other", match.group())


def unescape_codepoints(text: str) -> str:
    """Apply SPARQL 1.1's ``\\uXXXX`` pre-processing (it may occur anywhere in a query)."""

    def _char(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF else "\ufffd"

    return _ESCAPE.sub(_char, text)


@lru_cache(maxsize=1024)
def analyse(text: str, base_iri: str) -> QueryInfo:
    """What a query is and which dataset it names (memoized: popular queries repeat).

    Linear in the length of ``text`` (see the module docstring).

    :raises UpdateRefused: the text is SPARQL Update.
    :raises QueryRefused: SERVICE, a keyword glued to a name, nesting deeper than
        :data:`MAX_NESTING`, or not a query at all.
    :raises QuerySyntaxError: a string is left open.
    """
    info = _inspect(list(tokenize(text)), base_iri)
    unescaped = unescape_codepoints(text)
    if unescaped != text:
        # Judge the pre-processed text too: an engine applying SPARQL 1.1 escapes sees it.
        _inspect(list(tokenize(unescaped)), base_iri)
    return info


def _inspect(tokens: list[Token], base_iri: str) -> QueryInfo:
    _check_tokens(tokens)
    prefixes, base, start = _prologue(tokens, base_iri)
    words = [t.text.upper() for t in tokens if t.kind == "word"]
    if any(word in UPDATE_WORDS for word in words):
        raise UpdateRefused(READ_ONLY)
    first = tokens[start] if start < len(tokens) else None
    if first is not None and first.kind == "word" and first.text.upper() == "DEFINE":
        raise QueryRefused(DEFINE_REFUSED)
    if first is None or first.kind != "word" or first.text.upper() not in QUERY_FORMS:
        found = first.text if first else "end of query"
        raise QueryRefused(
            f"syntax error: expected SELECT, ASK, CONSTRUCT or DESCRIBE, found {found!r} "
            "/ 構文エラー"
        )
    graphs, named = _dataset(tokens[start:], prefixes, base)
    return QueryInfo(first.text.upper(), prefixes, tuple(graphs), tuple(named))


def _check_tokens(tokens: list[Token]) -> None:
    """Refuse what no query may hold: an open string, SERVICE, glued keywords, deep nesting."""
    depth = 0
    for i, token in enumerate(tokens):
        if token.kind == "other":
            depth = _nesting(depth, token.text)
        elif token.kind in ("word", "pname"):
            _glued(tokens, i, depth)
        elif token.kind == "unterminated":
            raise QuerySyntaxError(
                f"syntax error: a string is not closed: {token.text[:40]!r} "
                "/ 構文エラー（文字列が閉じていません）"
            )


def _nesting(depth: int, char: str) -> int:
    if char in _OPEN:
        depth += 1
        if depth > MAX_NESTING:
            raise QueryRefused(
                f"query too deeply nested: more than {MAX_NESTING} levels of {{ }}, ( ) or "
                f"[ ] / 入れ子が深すぎます（上限 {MAX_NESTING} 段）"
            )
    elif char in _CLOSE:
        depth = max(0, depth - 1)
    return depth


def _glued(tokens: list[Token], i: int, depth: int) -> None:
    """Refuse a word or prefixed name that an engine may read as SERVICE, FROM or NAMED.

    ``trueSERVICE<…>`` is one word and ``service:x {`` one prefixed name to the tokenizer,
    but Oxigraph reads both as SERVICE, and ``FROMex:g`` / ``FROM NAMEDex:g`` as FROM
    clauses. No keyword or function name contains these words, so only odd prefix names
    are refused with them (a prefix holding ``service`` right before ``{`` but not after
    GRAPH, one starting with ``from`` or ``named`` outside braces); the message says to
    rename the prefix.
    """
    token = tokens[i]
    upper = token.text.upper()
    if token.kind == "word":
        if "SERVICE" in upper:
            raise QueryRefused(SERVICE_REFUSED)
        if upper not in _HIDDEN and any(word in upper for word in _HIDDEN):
            raise QueryRefused(_glued_message(token.text))
        return
    prefix = upper.partition(":")[0]
    following = tokens[i + 1].text if i + 1 < len(tokens) else ""
    previous = tokens[i - 1].text.upper() if i > 0 else ""
    if "SERVICE" in prefix and following == "{" and previous != "GRAPH":
        raise QueryRefused(f"{SERVICE_REFUSED} ({token.text[:40]!r}: rename the prefix)")
    if depth == 0 and prefix.startswith(("FROM", "NAMED")) and previous != "PREFIX":
        raise QueryRefused(_glued_message(token.text))


def _glued_message(text: str) -> str:
    return (
        f"{text[:40]!r}: FROM, NAMED and SERVICE must stand apart from names (rename the "
        "prefix or add a space) / キーワードと名前の間に空白を入れてください"
    )


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
