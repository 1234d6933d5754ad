"""The publication settings (``data/publication.toml``)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from converter.errors import InputError
from converter.table import source_csv_name


@dataclass(frozen=True)
class EditionConfig:
    fiscal_year: int
    table: Path
    title_ja: str
    title_en: str
    actuals_as_of: date | None

    @property
    def source_name(self) -> str:
        """The CSV the edition's table is published as (a workbook as its table's CSV)."""
        return source_csv_name(self.table.name)


@dataclass(frozen=True)
class Publication:
    path: Path
    base_iri: str
    organizations: Path
    dataset: dict[str, object]
    editions: list[EditionConfig]

    def text(self, key: str) -> str:
        return str(self.dataset[key])

    def day(self, key: str) -> date:
        value = self.dataset[key]
        assert isinstance(value, date)
        return value


DATASET_KEYS = (
    "identifier",
    "title_ja",
    "title_en",
    "description_ja",
    "description_en",
    "keywords_ja",
    "keywords_en",
    "issued",
    "modified",
    "license",
    "license_title_ja",
    "license_title_en",
    "contact_ja",
    "contact_en",
    "contact_url",
)


def load_publication(path: Path, *, base_iri: str | None = None) -> Publication:
    """Read and check ``publication.toml``; ``base_iri`` overrides the file's.

    :raises InputError: the file is missing, not TOML, or lacks a setting.
    """
    path = Path(path)
    data = _read_toml(path)
    dataset = data.get("dataset", {})
    _check_dataset(dataset, path)
    editions = _editions(data.get("editions", []), path)
    base = _base_iri(base_iri or data.get("base_iri"), path)
    return Publication(
        path=path,
        base_iri=base if base.endswith("/") else base + "/",
        organizations=path.parent / data.get("organizations", "organizations.csv"),
        dataset=dataset,
        editions=sorted(editions, key=lambda e: e.fiscal_year),
    )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot be read: {exc.strerror}", file=str(path)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", file=str(path)) from exc


def _check_dataset(dataset: dict[str, Any], path: Path) -> None:
    """Every key of DATASET_KEYS is given, and the two dates are dates."""
    missing = [key for key in DATASET_KEYS if key not in dataset]
    if missing:
        raise InputError(f"[dataset] lacks {', '.join(missing)}", file=str(path))
    for key in ("issued", "modified"):
        if not isinstance(dataset[key], date):
            raise InputError(f"[dataset] {key} must be a date like 2024-03-31", file=str(path))


def _editions(entries: list[dict[str, Any]], path: Path) -> list[EditionConfig]:
    """The ``[[editions]]`` in file order; at least one, each with its own fiscal year."""
    editions = []
    for number, entry in enumerate(entries, start=1):
        try:
            editions.append(_edition(entry, path))
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(
                f"[[editions]] entry {number} lacks or misstates {exc}", file=str(path)
            ) from exc
    if not editions:
        raise InputError("no [[editions]] to publish", file=str(path))
    years = [e.fiscal_year for e in editions]
    if len(set(years)) != len(years):
        raise InputError("two [[editions]] share a fiscal_year", file=str(path))
    return editions


def _edition(entry: dict[str, Any], path: Path) -> EditionConfig:
    """One ``[[editions]]`` entry; its table path is relative to the TOML file."""
    return EditionConfig(
        fiscal_year=int(entry["fiscal_year"]),
        table=path.parent / entry["table"],
        title_ja=entry["title_ja"],
        title_en=entry["title_en"],
        actuals_as_of=entry.get("actuals_as_of"),
    )


def _base_iri(base: object, path: Path) -> str:
    if not isinstance(base, str) or not base.startswith(("http://", "https://")):
        raise InputError("base_iri must be an http(s) IRI", file=str(path))
    return base
