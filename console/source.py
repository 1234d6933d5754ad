"""A release's source: one folder that builds the whole publication by itself.

``source/`` holds ``publication.toml`` (paths relative to it), every edition's table, the
CSVW metadata of each and ``organizations.csv``. The first release copies the publication
the console is configured with (``DX_CONSOLE_PUBLICATION``); a candidate copies the live
release's source and puts the uploaded table in place of its edition's, or adds it as a
new edition. A new edition's CSVW metadata is the nearest edition's with the year changed
in its file name, titles and the year's headings (its descriptions are the staff's to
check); its title, unless given, is the nearest edition's title with the year changed.
"""

from __future__ import annotations

import json
import shutil
import tomllib
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from converter.config import load_publication
from converter.table import source_csv_name

PUBLICATION = "publication.toml"
ORGANIZATIONS = "organizations.csv"
JST = ZoneInfo("Asia/Tokyo")


def table_name(fiscal_year: int, suffix: str) -> str:
    """The name a release keeps an edition's table under (``dx-kpi-fy2024.xlsx``)."""
    return f"dx-kpi-fy{fiscal_year}{suffix.lower()}"


def metadata_name(table: str) -> str:
    return source_csv_name(table) + "-metadata.json"


def copy_publication(config: Path, dest: Path) -> None:
    """``config`` and every file it names, into ``dest`` as a self-contained source.

    :raises InputError: ``config`` cannot be read or lacks a setting.
    """
    pub = load_publication(config)
    dest.mkdir(parents=True)
    doc = _read(config)
    shutil.copy(pub.organizations, dest / ORGANIZATIONS)
    doc["organizations"] = ORGANIZATIONS
    for entry, edition in zip(
        sorted(doc["editions"], key=lambda e: int(e["fiscal_year"])), pub.editions, strict=True
    ):
        name = table_name(edition.fiscal_year, edition.table.suffix)
        shutil.copy(edition.table, dest / name)
        metadata = edition.table.with_name(metadata_name(edition.table.name))
        shutil.copy(metadata, dest / metadata_name(name))
        entry["table"] = name
    _write(dest / PUBLICATION, doc)


def with_table(
    live: Path,
    dest: Path,
    table: Path,
    fiscal_year: int,
    *,
    title_ja: str = "",
    title_en: str = "",
) -> str:
    """A copy of the source ``live`` in ``dest`` with ``table`` as the edition
    ``fiscal_year``; returns "updated" or "new" (the edition was not published)."""
    shutil.copytree(live, dest)
    doc = _read(dest / PUBLICATION)
    editions = doc["editions"]
    name = table_name(fiscal_year, table.suffix)
    entry = next((e for e in editions if int(e["fiscal_year"]) == fiscal_year), None)
    state = "updated" if entry is not None else "new"
    if entry is not None:
        old = dest / entry["table"]
        if old.name != name:
            old.unlink()
    else:
        nearest = min(editions, key=lambda e: abs(int(e["fiscal_year"]) - fiscal_year))
        entry = _new_edition(dest, nearest, fiscal_year, name, title_ja, title_en)
        editions.append(entry)
    shutil.copy(table, dest / name)
    entry["table"] = name
    if title_ja:
        entry["title_ja"] = title_ja
    if title_en:
        entry["title_en"] = title_en
    editions.sort(key=lambda e: int(e["fiscal_year"]))
    doc["dataset"]["modified"] = datetime.now(JST).date()
    _write(dest / PUBLICATION, doc)
    return state


def _new_edition(
    dest: Path, nearest: dict[str, Any], year: int, name: str, title_ja: str, title_en: str
) -> dict[str, Any]:
    old_year = int(nearest["fiscal_year"])
    text = (dest / metadata_name(nearest["table"])).read_text(encoding="utf-8")
    metadata = json.loads(_move_year(text, old_year, year))
    metadata["url"] = source_csv_name(name)
    (dest / metadata_name(name)).write_text(
        json.dumps(metadata, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return {
        "fiscal_year": year,
        "table": name,
        "title_ja": title_ja or _move_year(nearest["title_ja"], old_year, year),
        "title_en": title_en or _move_year(nearest["title_en"], old_year, year),
    }


def _move_year(text: str, old: int, new: int) -> str:
    """``text`` with the fiscal year ``old`` written as ``new`` (西暦, 令和 in half- and
    full-width digits)."""
    wide = str.maketrans("0123456789", "０１２３４５６７８９")
    for before, after in (
        (f"令和{old - 2018}年度", f"令和{new - 2018}年度"),
        (
            f"令和{str(old - 2018).translate(wide)}年度",
            f"令和{str(new - 2018).translate(wide)}年度",
        ),
        (f"FY{old}", f"FY{new}"),
        (f"fy{old}", f"fy{new}"),
    ):
        text = text.replace(before, after)
    return text


def _read(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _write(path: Path, doc: dict[str, Any]) -> None:
    path.write_text(dump_toml(doc), encoding="utf-8")


def dump_toml(doc: dict[str, Any]) -> str:
    """The TOML of a publication (tables of strings, numbers, dates and string lists, and
    arrays of such tables): all that ``publication.toml`` holds."""
    lines = ["# 公開コンソールが作った公開設定 / written by the staff console (python -m console)"]
    lines += [f"{k} = {_value(v)}" for k, v in doc.items() if not isinstance(v, dict | list)]
    for key, value in doc.items():
        if isinstance(value, dict):
            lines += ["", f"[{key}]"] + [f"{k} = {_value(v)}" for k, v in value.items()]
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for item in value:
                lines += ["", f"[[{key}]]"] + [f"{k} = {_value(v)}" for k, v in item.items()]
    return "\n".join(lines) + "\n"


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    # A JSON string is a TOML basic string: the same escapes (\", \\, \n, \uXXXX).
    return json.dumps(str(value), ensure_ascii=False)
