"""The figures of a hardening run: one JSON line per case, rendered as one table.

Each case calls :func:`record`; the lines go to ``$DX_HARDEN_FIGURES`` (default
``test-artifacts/harden/figures.jsonl``), appended whole so that pytest-xdist workers can
share the file. ``python -m tests.harden.figures`` prints the Markdown table.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from tests.harden.scale import FULL

ROOT = Path(__file__).resolve().parents[2]


def figures_path() -> Path:
    default = ROOT / "test-artifacts" / "harden" / "figures.jsonl"
    return Path(os.environ.get("DX_HARDEN_FIGURES", default))


@dataclass(frozen=True)
class Figure:
    """One row of the table: what was sent, what came back, how fast, how much memory."""

    case: str
    sent: str
    outcome: str
    errors: int
    p99_ms: float | None = None
    peak_rss_mb: float | None = None
    store: str = "embedded"
    scale: str = "full" if FULL else "short"


def record(figure: Figure) -> None:
    """Append ``figure`` to the run's figures file (one ``write`` of one line)."""
    path = figures_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(asdict(figure), ensure_ascii=False) + "\n"
    with path.open("a", encoding="utf-8") as out:
        out.write(line)


def _cell(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value).replace("|", "\\|")


def table(path: Path | None = None) -> str:
    """The figures as a Markdown table, in the order the cases ran."""
    path = path or figures_path()
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    head = "| case | store | sent | outcome | errors | p99 (ms) | peak RSS (MB) |"
    lines = [head, "|---|---|---|---|---|---|---|"]
    for row in rows:
        cells = [
            row["case"],
            row["store"],
            row["sent"],
            row["outcome"],
            row["errors"],
            row["p99_ms"],
            row["peak_rss_mb"],
        ]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(table(Path(sys.argv[1]) if len(sys.argv) > 1 else None))
