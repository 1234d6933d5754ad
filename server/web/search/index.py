"""Full-text search over projects and KPIs: SQLite FTS5 with the trigram tokenizer, in memory.

Japanese is written without spaces, so words cannot be split on them; the trigram tokenizer
indexes every three characters, which finds any substring of three or more. One or two
characters (研修 is two) cannot make a trigram, so such terms are matched with ``LIKE`` over
the same table, a scan of a few hundred rows. Text is NFKC-normalised character by character
on both sides (ＤＸ finds DX), keeping a map back to the printed text for the snippets.

The index is built from the store (never from the CSV), once per process; it is small.
"""

from __future__ import annotations

import sqlite3
import threading
import unicodedata
from dataclasses import dataclass, field

#: sqlite3 gained the trigram tokenizer in 3.34.0.
TRIGRAM_SINCE = (3, 34, 0)
MAX_TERMS = 8
MAX_TERM = 64
SNIPPET = 36  #: characters of context either side of the first match


class SearchUnavailable(RuntimeError):
    """This Python's SQLite has no FTS5 trigram tokenizer (3.34 or later is needed)."""


def normalise(text: str) -> tuple[str, list[int]]:
    """NFKC, lower case, character by character: the text and each character's origin."""
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for folded in unicodedata.normalize("NFKC", char).lower():
            chars.append(folded)
            origin.append(index)
    return "".join(chars), origin


def terms(query: str) -> list[str]:
    """The query's words (split on any space, full-width too), at most :data:`MAX_TERMS`."""
    found = []
    # Control, format, private-use and unassigned characters separate words: none is in the
    # texts, and a NUL would end FTS5's query string early.
    text = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in normalise(query)[0])
    for word in text.split():
        if word and word not in found:
            found.append(word[:MAX_TERM])
    return found[:MAX_TERMS]


@dataclass
class Document:
    """A project or a KPI: its texts by field, and the facet values it has."""

    iri: str
    kind: str  #: project | kpi
    number: int
    edition: int
    fields: dict[str, str]  #: name, description, goal, status (printed text)
    facets: dict[str, list[str]] = field(default_factory=dict)  #: facet → IRIs

    @property
    def name(self) -> str:
        return self.fields.get("name", "")


@dataclass(frozen=True)
class Hit:
    document: Document
    score: int
    field: str  #: where the snippet comes from
    snippet: list[tuple[str, bool]]  #: (text, is a match)


def _match_query(words: list[str]) -> tuple[str, list[str]]:
    """The WHERE clause and its parameters: MATCH for trigram terms, LIKE for short ones."""
    long = [w for w in words if len(w) >= 3]
    short = [w for w in words if len(w) < 3]
    clauses, params = [], []
    if long:
        clauses.append("docs MATCH ?")
        params.append(" AND ".join('"' + w.replace('"', '""') + '"' for w in long))
    for word in short:
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        clauses.append("(name LIKE ? ESCAPE '\\' OR body LIKE ? ESCAPE '\\')")
        params += [pattern, pattern]
    return " AND ".join(clauses), params


Folded = tuple[str, list[int]]  # normalised text, and each character's origin


def _snippet(text: str, folded: Folded, words: list[str]) -> list[tuple[str, bool]]:
    """The printed text around the first match, the matched words marked."""
    folded_text, origin = folded
    spans = sorted((start, start + len(w)) for w in words for start in _all(folded_text, w))
    if not spans:
        return []
    first = spans[0][0]
    low = max(0, origin[first] - SNIPPET)
    high = min(len(text), origin[first] + SNIPPET * 2)
    parts: list[tuple[str, bool]] = [("…", False)] if low else []
    cursor = low
    for start, end in spans:
        a, b = origin[start], origin[end - 1] + 1
        if a < cursor or b > high:
            continue
        parts += [(text[cursor:a], False), (text[a:b], True)]
        cursor = b
    parts.append((text[cursor:high], False))
    if high < len(text):
        parts.append(("…", False))
    return [p for p in parts if p[0]]


def _all(text: str, word: str) -> list[int]:
    found, start = [], text.find(word)
    while start >= 0:
        found.append(start)
        start = text.find(word, start + len(word))
    return found


class SearchIndex:
    """The documents and their FTS5 table (one in-memory database, read under a lock)."""

    FIELDS = ("name", "description", "goal", "status")

    def __init__(self, documents: list[Document]) -> None:
        if sqlite3.sqlite_version_info < TRIGRAM_SINCE:
            raise SearchUnavailable(
                f"SQLite {sqlite3.sqlite_version} に trigram がありません / SQLite "
                f"{sqlite3.sqlite_version} has no trigram tokenizer (3.34 or later needed)"
            )
        self.documents = documents
        # Folded once: scoring and snippets then cost a substring search per field.
        self._folded = [{k: normalise(v) for k, v in d.fields.items()} for d in documents]
        self._lock = threading.Lock()
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute("CREATE VIRTUAL TABLE docs USING fts5(name, body, tokenize='trigram')")
        self._db.executemany(
            "INSERT INTO docs(rowid, name, body) VALUES (?, ?, ?)",
            [(i, *self._texts(d)) for i, d in enumerate(documents)],
        )

    def _texts(self, document: Document) -> tuple[str, str]:
        body = "\n".join(document.fields.get(f, "") for f in self.FIELDS[1:])
        return normalise(document.name)[0], normalise(body)[0]

    def matching(self, words: list[str]) -> list[int]:
        """The documents that contain every word."""
        if not words:
            return []
        where, params = _match_query(words)
        with self._lock:
            rows = self._db.execute(f"SELECT rowid FROM docs WHERE {where}", params).fetchall()  # noqa: S608
        return [int(r[0]) for r in rows]

    def hit(self, index: int, words: list[str]) -> Hit:
        """Score a document (a word in the name counts thrice) and cut its snippet."""
        document, folded = self.documents[index], self._folded[index]
        counts = {name: sum(len(_all(f[0], w)) for w in words) for name, f in folded.items()}
        score = sum(n * (3 if name == "name" else 1) for name, n in counts.items())
        # The snippet shows a text beyond the name (the name is the result's title).
        found = [name for name in self.FIELDS[1:] if counts.get(name)] or ["name"]
        field = found[0]
        text = document.fields.get(field, "")
        return Hit(document, score, field, _snippet(text, folded.get(field, ("", [])), words))

    def search(self, query: str, chosen: dict[str, str] | None = None) -> list[Hit]:
        """Every document with all the query's words and the ``chosen`` facet values, best
        first (KPIs before projects when the scores tie, then by number)."""
        words = terms(query)
        hits = [self.hit(i, words) for i in self.matching(words)]
        wanted = chosen or {}
        hits = [
            h for h in hits if all(v in h.document.facets.get(f, []) for f, v in wanted.items())
        ]
        return sorted(
            hits,
            key=lambda h: (
                -h.score,
                h.document.kind != "kpi",
                -h.document.edition,
                h.document.number,
            ),
        )


def facet_counts(hits: list[Hit], facet: str) -> dict[str, int]:
    """How many hits have each value of ``facet``, most first."""
    counts: dict[str, int] = {}
    for hit in hits:
        for value in hit.document.facets.get(facet, []):
            counts[value] = counts.get(value, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
