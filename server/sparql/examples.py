"""The curated example queries of the query UI (``server/sparql/queries/*.rq``).

Each file starts with comment lines ``# title-ja: …`` and ``# title-en: …`` (optionally
``# description-ja:`` / ``# description-en:``); the file name (without ``.rq``) is its id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

QUERIES_DIR = Path(__file__).resolve().parent / "queries"
_HEADER = re.compile(r"^#\s*([a-z]+-(?:ja|en))\s*:\s*(.*?)\s*$")


@dataclass(frozen=True)
class Example:
    id: str
    title_ja: str
    title_en: str
    query: str
    description_ja: str = ""
    description_en: str = ""


def load_examples(directory: Path = QUERIES_DIR) -> list[Example]:
    """Every ``*.rq`` in ``directory``, in file-name order.

    :raises ValueError: a file lacks its ``title-ja`` or ``title-en`` header.
    """
    return [parse_example(path) for path in sorted(directory.glob("*.rq"))]


def parse_example(path: Path) -> Example:
    """Read one example file.

    :raises ValueError: the ``title-ja`` or ``title-en`` header is missing.
    """
    text = path.read_text(encoding="utf-8")
    header: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _HEADER.match(line)
        if match:
            header[match.group(1)] = match.group(2)
    if "title-ja" not in header or "title-en" not in header:
        raise ValueError(f"{path}: needs '# title-ja:' and '# title-en:' header lines")
    return Example(
        id=path.stem,
        title_ja=header["title-ja"],
        title_en=header["title-en"],
        query=text,
        description_ja=header.get("description-ja", ""),
        description_en=header.get("description-en", ""),
    )
