"""How the report names and orders things: printed numbers, roman plan fields, natural order.

Shared by the pages, the resources' breadcrumbs, the dashboard and search, so that an item
reads and sorts the same everywhere.
"""

from __future__ import annotations

import re

#: Longest ``<meta name="description">`` (search engines show about this much).
DESCRIPTION_LIMIT = 300

ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9, "X": 10}


def natural_key(iri: object) -> tuple[object, ...]:
    """Sort ``…/plan/II-3-10`` after ``…/plan/I-3-9`` (roman field, numeric parts)."""
    tail = str(iri).rstrip("/").rsplit("/", 1)[-1]
    key: list[object] = []
    for part in re.split(r"[-_.]", tail):
        if part in ROMAN:
            key.append((0, ROMAN[part], ""))
        elif part.isdigit():
            key.append((0, int(part), ""))
        else:
            key.append((1, 0, part))
    return tuple(key)


def shows_notation(label: str, notation: object) -> bool:
    """False when the label already carries the printed number ("分野Ⅰ", "計画")."""
    text = str(notation or "").strip()
    if not text or text == label:
        return False
    return text.isascii() or text not in label


def numbered(label: str, notation: object) -> str:
    """``(6) ＡＩの活用``: the printed number before the label, unless the label has it."""
    return f"{str(notation).strip()} {label}" if shows_notation(label, notation) else label


def natural_text_key(text: str) -> tuple[tuple[int, int, str], ...]:
    """Sort "事業8" before "事業10": numbers compare as numbers."""
    parts = re.split(r"(\d+)", text)
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts if p)


def shorten(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """``text`` on one line, cut at ``limit`` characters with an ellipsis."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def local_name(iri: str) -> str:
    """``Achieved`` for ``dx:Achieved``, ``I-3`` for ``B id/plan/I-3``."""
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def org_key(iri: str) -> str:
    """``somu-bu`` for ``B id/org/somu-bu`` (a department's key in the query)."""
    return iri.split("/id/org/", 1)[-1]


def key_of(param: str, iri: str) -> str:
    """The query value that names ``iri``: ``I-3`` for a plan item, ``somu-bu`` for a department."""
    return org_key(iri) if param == "dept" else local_name(iri)
