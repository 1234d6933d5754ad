"""What a remote store's answers need before they are parsed: blank node labels that
parsers accept (Virtuoso's are not)."""

from __future__ import annotations

import json
import re

#: A blank node label as N-Triples / Turtle write it (ASCII subset; others get renamed).
_BNODE_LABEL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?")


def readable_bnodes(body: bytes) -> bytes:
    """SPARQL JSON results with every blank node label one that parsers accept.

    Virtuoso labels blank nodes ``nodeID://b10000``, which pyoxigraph (rightly) refuses; such
    a label becomes ``x`` + its UTF-8 in hex: still one label per node, and blank node labels
    mean nothing outside one answer. Any other answer is returned unchanged.
    """
    if b'"bnode"' not in body:
        return body  # the common case, decided without parsing
    try:
        doc = json.loads(body)
        rows = doc["results"]["bindings"]
    except (ValueError, TypeError, KeyError):
        return body  # not for us to mend: the parser says what is wrong with it
    changed = False
    for row in rows if isinstance(rows, list) else ():
        for term in row.values() if isinstance(row, dict) else ():
            if not (isinstance(term, dict) and term.get("type") == "bnode"):
                continue
            label = term.get("value")
            if isinstance(label, str) and not _BNODE_LABEL.fullmatch(label):
                term["value"] = "x" + label.encode().hex()
                changed = True
    return json.dumps(doc, ensure_ascii=False).encode() if changed else body
