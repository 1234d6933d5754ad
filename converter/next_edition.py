"""``converter template``: the workbook for the next edition, carried forward from a
published one (the latest of ``publication.toml``, or the one named)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from converter.build import read_edition
from converter.config import EditionConfig, load_publication
from converter.era import edition_label
from converter.errors import InputError
from converter.orgs import read_register
from converter.workbook.schema import (
    STAMP_EDITION,
    STAMP_SOURCE_EDITION,
    STAMP_SOURCE_SHA256,
    STAMP_SOURCE_TABLE,
    STAMP_VERSION,
    TEMPLATE_VERSION,
)
from converter.workbook.template import TemplateSummary, write_template


@dataclass(frozen=True)
class TemplateResult:
    out: Path
    source: EditionConfig
    year: int
    digest: str
    summary: TemplateSummary

    def text(self) -> str:
        """What ``converter template`` prints: what was written, and what to do next."""
        s, source = self.summary, self.source
        return "\n".join(
            [
                f"{edition_label(self.year)}（FY{self.year}）の入力用ブックを書きました / "
                f"wrote the workbook for the FY{self.year} edition: {self.out}",
                f"  引き継いだ年度版 / carried forward from: {edition_label(source.fiscal_year)}"
                f" (FY{source.fiscal_year}) {source.table.name} (sha256 {self.digest[:16]}…)",
                f"  行 / rows: {s.rows}、新しい事業用の空き行 / spare rows for new projects: "
                f"{s.spare_rows}",
                "  入力する列（黄色のセル） / columns to fill in (the yellow cells): "
                + "、".join(s.input_ranges),
                f"  テンプレート版 / template version: {TEMPLATE_VERSION}",
                "次に / next: シート「入力」に入力して .xlsx で保存し、converter validate で確かめ"
                "、"
                "publication.toml の [[editions]] に追加して make build / fill in the sheet 入力, "
                "save as .xlsx, check with converter validate, add it under [[editions]] and "
                "run make build",
            ]
        )


def make_template(
    publication: Path, out: Path, *, edition: int | None = None, year: int | None = None
) -> TemplateResult:
    """Write the workbook for edition ``year`` (default: the next fiscal year) from the
    published ``edition`` (default: the latest). ``out`` may be a folder (one that exists,
    or a name without an extension): the file is then named ``dx-kpi-fy<year>.xlsx``.

    :raises InputError: no such edition, a year before it, a source table with problems,
        or ``out`` is not an ``.xlsx`` path.
    """
    pub = load_publication(publication)
    source = _source(pub.editions, edition, publication)
    target = source.fiscal_year + 1 if year is None else year
    if target < source.fiscal_year:
        raise InputError(
            f"{edition_label(target)}を{edition_label(source.fiscal_year)}から作ることは"
            f"できません / cannot carry FY{source.fiscal_year} back to FY{target}",
            file=str(publication),
        )
    out = _out_path(Path(out), target)
    table, _ = read_edition(source.table, pub.organizations, fiscal_year=source.fiscal_year)
    digest = hashlib.sha256(source.table.read_bytes()).hexdigest()
    stamp = {
        STAMP_VERSION: TEMPLATE_VERSION,
        STAMP_EDITION: str(target),
        STAMP_SOURCE_EDITION: str(source.fiscal_year),
        STAMP_SOURCE_TABLE: source.table.name,
        STAMP_SOURCE_SHA256: digest,
    }
    try:
        summary = write_template(table, read_register(pub.organizations), stamp, target, out)
    except OSError as exc:
        raise InputError(
            f"書き込めません / cannot be written: {exc.strerror or exc}", file=str(out)
        ) from exc
    return TemplateResult(out, source, target, digest, summary)


def _source(editions: list[EditionConfig], edition: int | None, publication: Path) -> EditionConfig:
    if edition is None:
        return editions[-1]
    for config in editions:
        if config.fiscal_year == edition:
            return config
    listed = ", ".join(f"FY{c.fiscal_year}" for c in editions)
    raise InputError(
        f"{edition_label(edition)}は公開されていません（公開中: {listed}） / FY{edition} is "
        f"not a published edition (published: {listed})",
        file=str(publication),
    )


def _out_path(out: Path, year: int) -> Path:
    if out.is_dir() or not out.suffix:
        return out / f"dx-kpi-fy{year}.xlsx"
    if out.suffix.lower() != ".xlsx":
        raise InputError(
            "テンプレートは .xlsx で書きます / the template is written as .xlsx", file=str(out)
        )
    return out
