"""The plan hierarchy a row is listed under: field → item → measure (→ sub-item).

Reads the 分野, 項目番号/項目名称 and 施策No/施策名称 cells of a row into ``PlanItem``
objects, and checks that every printing of a plan item gives it the same name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from converter.errors import InputError
from converter.table import Row

PLAN_MEASURE = "計画"  # listed in the plan, not under a numbered measure
SUB_ITEMS = dict(
    zip(
        "アイウエオカキクケコサシスセソ",
        "a i u e o ka ki ku ke ko sa shi su se so".split(),
        strict=True,
    )
)
_MEASURE = re.compile(r"^\((\d+)\)([ア-ン])?$")


@dataclass(frozen=True)
class PlanItem:
    key: str  # IRI path below id/plan/, e.g. "I-3-6-a"
    level: str  # "field" | "item" | "measure"
    notation: str  # as printed: "Ⅰ", "3", "(6)ア", "計画"
    name: str  # Japanese name as printed ("" where none is printed)
    parent: str | None


def parse_integer(text: str, column: str, where: dict) -> int:
    """A printed whole number (full-width digits allowed), such as 項目番号 or 事業No."""
    normal = unicodedata.normalize("NFKC", text).strip()
    if not normal.isdigit():
        raise InputError(
            f"「{text}」は数字ではありません / '{text}' is not a number", column=column, **where
        )
    return int(normal)


def plan_item_key(plan_items: dict[str, PlanItem], row: Row, where: dict) -> str:
    """Register the row's field, item and measure in ``plan_items``; the key it is listed under.

    :raises InputError: a cell is misprinted, or names a plan item differently than before.
    """
    cells = row.cells
    field_key = unicodedata.normalize("NFKC", cells["field"]).strip()
    if not re.fullmatch(r"[IVX]+", field_key):
        raise InputError(
            f"「{cells['field']}」はⅠのようなローマ数字ではありません / '{cells['field']}' is "
            "not a Roman numeral such as Ⅰ",
            column="分野",
            **where,
        )
    item_no = parse_integer(cells["item_no"], "項目番号", where)
    item_key = f"{field_key}-{item_no}"
    _register(plan_items, PlanItem(field_key, "field", cells["field"], "", None), where, "分野")
    _register(
        plan_items,
        PlanItem(item_key, "item", cells["item_no"], cells["item_name"], field_key),
        where,
        "項目名称",
    )
    return _measure_key(plan_items, cells, item_key, where)


def _measure_key(
    plan_items: dict[str, PlanItem], cells: dict[str, str], item_key: str, where: dict
) -> str:
    """Register the measure (計画, (1), or (6)ア with its sub-item); the key listed under."""
    code = unicodedata.normalize("NFKC", cells["measure_no"]).replace(" ", "")
    if code == PLAN_MEASURE:
        key = f"{item_key}-keikaku"
        _register(
            plan_items,
            PlanItem(key, "measure", cells["measure_no"], cells["measure_name"], item_key),
            where,
            "施策名称",
        )
        return key
    match = _MEASURE.match(code)
    if not match:
        raise InputError(
            f"「{cells['measure_no']}」は (1)、(6)ア、計画 のような施策Noではありません / "
            f"'{cells['measure_no']}' is not a measure number like (1), (6)ア or 計画",
            column="施策No",
            **where,
        )
    key = f"{item_key}-{match[1]}"
    name = cells["measure_name"]
    if not match[2]:
        _register(
            plan_items, PlanItem(key, "measure", f"({match[1]})", name, item_key), where, "施策名称"
        )
        return key
    return _sub_item_key(plan_items, match, name, item_key, where)


def _sub_item_key(
    plan_items: dict[str, PlanItem], match: re.Match[str], name: str, item_key: str, where: dict
) -> str:
    """Register a measure printed with a sub-item, like (6)ア, and its sub-item."""
    if match[2] not in SUB_ITEMS:
        raise InputError(
            f"細目「{match[2]}」は使えません / sub-item '{match[2]}' is not supported",
            column="施策No",
            **where,
        )
    # "ＡＩの活用　議事録の作成支援": the measure's name, a space, the sub-item's name.
    parts = name.split(maxsplit=1)
    if len(parts) != 2:
        raise InputError(
            f"「{name}」には施策名と細目名を空白で区切って書きます / '{name}' must give the "
            "measure name and the sub-item name separated by a space",
            column="施策名称",
            **where,
        )
    key = f"{item_key}-{match[1]}"
    _register(
        plan_items, PlanItem(key, "measure", f"({match[1]})", parts[0], item_key), where, "施策名称"
    )
    sub_key = f"{key}-{SUB_ITEMS[match[2]]}"
    _register(plan_items, PlanItem(sub_key, "measure", match[2], parts[1], key), where, "施策名称")
    return sub_key


def _register(plan_items: dict[str, PlanItem], item: PlanItem, where: dict, column: str) -> None:
    """Add ``item``, or check that it names the plan item as its first printing did."""
    known = plan_items.setdefault(item.key, item)
    if known.name != item.name:
        raise InputError(
            f"「{item.name}」は、同じ施策 {item.key} に前の行で書かれた「{known.name}」と違います"
            f" / '{item.name}' differs from '{known.name}' given for the same plan item "
            f"{item.key} earlier",
            column=column,
            **where,
        )
