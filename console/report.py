"""The check report as pages show it: problems grouped by row, each group with an anchor.

The converter's grouping (:func:`converter.errors._report`): by sheet and row, the table's
own problems first, each group headed by its row and 事業No, problems left to right.
"""

from __future__ import annotations

from typing import Any


def groups(problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``[{anchor, heading, problems: [{place, problem}]}]`` in the report's order."""
    grouped: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for problem in problems:
        key = (problem.get("sheet") or "", problem.get("row") or 0)
        grouped.setdefault(key, []).append(problem)
    out = []
    for (sheet, row), found in sorted(grouped.items(), key=lambda item: item[0][1]):
        out.append(
            {
                "anchor": f"row-{row}" if row else "table",
                "heading": heading(sheet, row, found[0].get("project")),
                "problems": [
                    {"place": _place(p, whole=not row), "problem": p["problem"]}
                    for p in sorted(found, key=_column_order)
                ],
            }
        )
    return out


def rows(problems: list[dict[str, Any]]) -> int:
    return len({(p.get("sheet"), p.get("row")) for p in problems if p.get("row")})


def heading(sheet: str, row: int, project: str | None) -> str:
    """``シート「入力」 12行目（事業No 10） / sheet 入力, row 12 (project 10)``."""
    if not row:
        return "表全体 / the whole table"
    ja = f"シート「{sheet}」 {row}行目" if sheet else f"{row}行目"
    en = f"sheet {sheet}, row {row}" if sheet else f"row {row}"
    if project:
        ja += f"（事業No {project}）"
        en += f" (project {project})"
    return f"{ja} / {en}"


def _place(problem: dict[str, Any], *, whole: bool) -> str:
    ja, en = [], []
    if whole and problem.get("sheet"):
        ja.append(f"シート「{problem['sheet']}」")
        en.append(f"sheet {problem['sheet']}")
    if problem.get("cell"):
        ja.append(f"セル {problem['cell']}")
        en.append(f"cell {problem['cell']}")
    if problem.get("column"):
        ja.append(f"列「{problem['column']}」")
        en.append(f"column {problem['column']}")
    return f"{' '.join(ja)} / {', '.join(en)}" if ja else ""


def _column_order(problem: dict[str, Any]) -> tuple[int, str]:
    cell = problem.get("cell") or ""
    letters = "".join(c for c in cell if c.isalpha())
    return (len(letters), letters) if letters and ":" not in cell else (0, "")
