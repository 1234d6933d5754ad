"""Which functions a ``/sparql`` query may call: an allow-list, checked before any store runs it.

A store runs whatever a query calls. Virtuoso maps ``bif:NAME`` to its SQL built-ins
(``bif:exec`` runs SQL, ``bif:http_get`` fetches any URL from the store's host),
``sql:NAME`` and any other function IRI to a stored procedure ``DB.DBA.<IRI>``, runs
backquoted expressions inside triple patterns, and treats ``bif:contains`` and its siblings
as predicates that run code. So a query may call only:

- SPARQL 1.1's own functions: the grammar's ``BuiltInCall`` and ``Aggregate`` keywords;
- the XSD casts of SPARQL 1.1 §17.5 (``xsd:string``, ``xsd:integer`` …);
- the extension functions the settings list (``DX_SPARQL_EXTENSION_FUNCTIONS``, full IRIs).

IRIs in Virtuoso's ``bif:`` and ``sql:`` namespaces are refused wherever they stand, and so
are backquotes (not SPARQL at all).

A call is an IRI or prefixed name followed by ``(`` where an expression stands: inside the
parentheses of an expression (FILTER, BIND, a projection ``(… AS ?x)``, arguments), right
after FILTER, and anywhere in a query's own clauses outside its ``{ }`` (GROUP BY, ORDER BY,
HAVING, and LIMIT/OFFSET, where Virtuoso takes expressions). Inside ``{ }`` or ``[ ]`` the
same tokens are a predicate and a collection (``?s ex:p (1 2)``), which call nothing; the
walker treats every other ``(`` as an expression's, so what it cannot place is a call. A
word followed by ``(`` must be one of SPARQL's own keywords. ``<…>`` is always an IRI, the
longest match, as Virtuoso's lexer takes it (``?a<p:f(1)>?b`` is a syntax error there;
tests/remote/test_virtuoso_guard.py checks that it calls nothing). One pass over the tokens with a
stack of brackets (bounded by ``server.syntax.MAX_NESTING``): linear in the query's length,
like the rest of the guard.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from server.errors import QueryRefused
from server.syntax import (
    QUERY_FORMS,
    VIRTUOSO_NAMESPACES,
    Token,
    tokenize,
    unescape_codepoints,
)

#: SPARQL 1.1 Query, grammar rule [121] BuiltInCall (with [122]-[126]) and [127] Aggregate.
BUILT_INS = frozenset(
    """
    STR LANG LANGMATCHES DATATYPE BOUND IRI URI BNODE RAND ABS CEIL FLOOR ROUND CONCAT
    STRLEN UCASE LCASE ENCODE_FOR_URI CONTAINS STRSTARTS STRENDS STRBEFORE STRAFTER YEAR
    MONTH DAY HOURS MINUTES SECONDS TIMEZONE TZ NOW UUID STRUUID MD5 SHA1 SHA256 SHA384
    SHA512 COALESCE IF STRLANG STRDT SAMETERM ISIRI ISURI ISBLANK ISLITERAL ISNUMERIC REGEX
    SUBSTR REPLACE COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT
    """.split()
)
XSD = "http://www.w3.org/2001/XMLSchema#"
#: SPARQL 1.1 Query §17.5, "XPath Constructor Functions".
XSD_CASTS = frozenset(
    XSD + name
    for name in ("string", "integer", "decimal", "double", "float", "boolean", "dateTime")
)
#: Keywords the grammar puts right before ``(``, other than functions.
_BEFORE_PAREN = frozenset(
    "FILTER BIND VALUES SELECT DISTINCT REDUCED BY ASC DESC HAVING IN".split()
)
#: Terms a collection may follow in a triple pattern: ``?s a (1)``, ``(true (1))``.
_TERMS = frozenset({"A", "TRUE", "FALSE"})
_VIRTUOSO_PREFIXES = frozenset({"bif", "sql"})
_LOCAL_ESCAPE = re.compile(r"\\(.)")

ONLY_STANDARD = (
    "this endpoint runs only SPARQL 1.1's own functions and the XSD casts{extra} / "
    "SPARQL 1.1 の標準関数と XSD の型変換{extra_ja}以外の関数は使えません"
)
VIRTUOSO_REFUSED = (
    "Virtuoso's own functions (bif:, sql:) are not allowed / "
    "Virtuoso 固有の関数（bif:・sql:）は使えません"
)
BACKQUOTE_REFUSED = (
    "backquoted expressions (a Virtuoso extension) are not SPARQL / "
    "バッククォートの式（Virtuoso の拡張）は使えません"
)


@dataclass
class _Frame:
    """One open bracket: what a ``(`` directly inside it opens."""

    kind: str  #: "top", "pattern" ({ } or [ ]), "list" (a collection or a path), "expr"
    query: bool = False  #: a query form stands in it: its clauses, not triples


#: Functions whose value changes from one evaluation to the next: an answer that calls one
#: is not kept by any cache (the same query asked twice must not give the same UUID or NOW).
VOLATILE = frozenset({"NOW", "RAND", "UUID", "STRUUID"})


@lru_cache(maxsize=1024)
def check_functions(text: str, extensions: frozenset[str] = frozenset()) -> bool:
    """Refuse a query that calls anything but SPARQL's functions, XSD casts and ``extensions``;
    tell whether it calls a :data:`VOLATILE` one.

    Judges the text as sent and after ``\\u`` pre-processing, like ``server.syntax.analyse``.
    Memoized (popular queries repeat); linear in the length of ``text``.

    :raises QueryRefused: another function, a word before ``(`` that is not SPARQL's, a
        function through an undeclared or twice-declared prefix, an IRI of Virtuoso's
        ``bif:``/``sql:`` namespaces anywhere, a backquote, a blank node label with ``:``.
    """
    allowed = XSD_CASTS | extensions
    volatile = _walk(list(tokenize(text)), allowed)
    unescaped = unescape_codepoints(text)
    if unescaped != text:
        volatile = _walk(list(tokenize(unescaped)), allowed) or volatile
    return volatile


def _walk(tokens: list[Token], allowed: frozenset[str]) -> bool:
    """Check every call; True when one of them is :data:`VOLATILE`."""
    volatile = False
    prefixes = _prefixes(tokens)
    stack = [_Frame("top")]
    previous = Token("other", "")
    for i, token in enumerate(tokens):
        frame = stack[-1]
        opens = i + 1 < len(tokens) and tokens[i + 1].text == "("
        if token.kind in ("iri", "pname"):
            _check_namespace(token, prefixes)
            if opens and _calls(frame, previous, token):
                _check_call(token, prefixes, allowed)
                token = Token("call", token.text)
        elif token.kind == "word":
            if token.text.upper() in QUERY_FORMS:
                frame.query = True
            if opens:
                _check_word(token.text, frame)
                volatile = volatile or token.text.upper() in VOLATILE
        elif token.kind == "bnode" and ":" in token.text[2:]:
            raise QueryRefused(
                f"{token.text[:40]!r}: a blank node label cannot hold ':' / "
                "空白ノードのラベルに「:」は使えません"
            )
        elif token.text == "`":
            raise QueryRefused(BACKQUOTE_REFUSED)
        elif token.text in ("{", "["):
            stack.append(_Frame("pattern"))
        elif token.text == "(":
            stack.append(_Frame(_paren(frame, previous)))
        elif token.text in ("}", "]", ")") and len(stack) > 1:
            stack.pop()
        previous = token
    return volatile


def _calls(frame: _Frame, previous: Token, token: Token) -> bool:
    """Whether an IRI or prefixed name right before ``(`` is a function call here."""
    if frame.kind in ("top", "expr") or frame.query:
        return True
    if previous.kind == "word" and previous.text.upper() == "FILTER":
        return True  # FILTER ex:f(?x): a constraint without brackets
    # FILTERex:f(…) is one prefixed name here, but Oxigraph reads FILTER ex:f(…)
    return token.kind == "pname" and token.text.upper().startswith("FILTER")


def _paren(frame: _Frame, previous: Token) -> str:
    """What a ``(`` opens: an expression's brackets or arguments, or a collection or path."""
    if frame.kind in ("top", "expr") or frame.query or previous.kind == "call":
        return "expr"
    if previous.kind == "word" and previous.text.upper() not in _TERMS:
        return "expr"  # FILTER (…), BIND (…), VALUES (…), a built-in's arguments
    return "list"  # ?s ex:p (1 2), ?s (ex:p|ex:q) ?o, ( (1) (2) )


def _check_word(word: str, frame: _Frame) -> None:
    upper = word.upper()
    if upper in BUILT_INS or upper in _BEFORE_PAREN:
        return
    if upper in _TERMS and frame.kind in ("pattern", "list") and not frame.query:
        return
    raise QueryRefused(f"{word[:40]}(…): {_only_standard()}")


def _check_call(
    token: Token, prefixes: dict[str, tuple[str, str]], allowed: frozenset[str]
) -> None:
    if token.kind == "iri":
        iri = token.text[1:-1]
    else:
        prefix, _, local = token.text.partition(":")
        declared = prefixes.get(prefix)
        if declared is None or declared[0] != declared[1]:
            how = "not declared" if declared is None else "declared twice"
            raise QueryRefused(
                f"{token.text[:60]}(…): the prefix {prefix}: is {how}; a function needs one "
                "PREFIX / 関数の接頭辞は一度だけ宣言してください"
            )
        iri = declared[1] + _LOCAL_ESCAPE.sub(r"\1", local)
    if iri not in allowed:
        raise QueryRefused(f"{token.text[:60]}(…): {_only_standard(len(allowed) > len(XSD_CASTS))}")


def _only_standard(extensions: bool = False) -> str:
    if extensions:
        return ONLY_STANDARD.format(
            extra=" and the extension functions this server lists", extra_ja="・設定された拡張関数"
        )
    return ONLY_STANDARD.format(extra="", extra_ja="")


def _check_namespace(token: Token, prefixes: dict[str, tuple[str, str]]) -> None:
    """Refuse an IRI of Virtuoso's function namespaces, as written or through a prefix."""
    if token.kind == "iri":
        candidates: tuple[str, ...] = (token.text[1:-1],)
    else:
        prefix, _, local = token.text.partition(":")
        if prefix.lower() in _VIRTUOSO_PREFIXES:
            raise QueryRefused(f"{token.text[:60]!r}: {VIRTUOSO_REFUSED}")
        local = _LOCAL_ESCAPE.sub(r"\1", local)
        candidates = tuple(iri + local for iri in prefixes.get(prefix, ()))
    for iri in candidates:
        if iri.lower().startswith(VIRTUOSO_NAMESPACES):
            raise QueryRefused(f"{token.text[:60]!r}: {VIRTUOSO_REFUSED}")


def _prefixes(tokens: list[Token]) -> dict[str, tuple[str, str]]:
    """``{prefix: (first IRI, last IRI)}`` as written in the prologue (engines differ on
    which declaration of a prefix wins, and may not resolve relative ones)."""
    prefixes: dict[str, tuple[str, str]] = {}
    for i in range(len(tokens) - 2):
        if tokens[i].kind != "word" or tokens[i].text.upper() != "PREFIX":
            continue
        name, iri = tokens[i + 1], tokens[i + 2]
        if name.kind == "pname" and name.text.endswith(":") and iri.kind == "iri":
            key = name.text[:-1]
            first = prefixes[key][0] if key in prefixes else iri.text[1:-1]
            prefixes[key] = (first, iri.text[1:-1])
    return prefixes
