"""The build's downloads (``download/`` of a build): the data dumps, the source tables with
their CSVW metadata, the catalog in each format, the ontology and the shapes."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from rdflib import Graph

from converter.catalog import Download
from converter.config import EditionConfig, Publication
from converter.era import year_label
from converter.errors import InputError
from converter.formats import CSV, CSVW, N_TRIPLES, RDF_FORMATS
from converter.iris import Iris
from converter.jsonld import context_document
from converter.spreadsheet import spreadsheet_csv
from converter.table import Table
from converter.writers import Sorted


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def write_downloads(
    folder: Path,
    pub: Publication,
    iris: Iris,
    data: Sorted,
    shapes_file: Path,
    tables: dict[int, Table],
    ontology_file: Path,
) -> list[Download]:
    """Every download but the catalog and the ontology's page: the data in each RDF format,
    each edition's source table, the organizations, the JSON-LD context, the ontology and
    the shapes."""
    downloads = _write_data_dumps(folder, pub, data)
    for config in pub.editions:
        downloads.extend(_write_source_files(folder, config, tables[config.fiscal_year]))
    orgs = pub.organizations
    write(folder / "organizations.csv", spreadsheet_csv(orgs.read_bytes(), orgs.name))
    write(folder / "context.jsonld", context_document(pub.base_iri))
    write(folder / "ontology.ttl", ontology_file.read_bytes())
    write(folder / "shapes.ttl", shapes_file.read_bytes())
    return downloads


def _write_data_dumps(folder: Path, pub: Publication, data: Sorted) -> list[Download]:
    """All data in every RDF format, as ``dx-kpi.<extension>``: the editions, the series
    and the changes (the catalog and the ontology are downloads of their own)."""
    downloads = []
    for fmt in RDF_FORMATS:
        name = f"dx-kpi.{fmt.extension}"
        body = fmt.serialize(data, base_iri=pub.base_iri)
        write(folder / name, body)
        downloads.append(
            Download(
                name,
                fmt.media_type,
                fmt.file_type,
                f"全データ（{fmt.name}）",
                f"All data ({fmt.name})",
                len(body),
                is_rdf_dump=True,
            )
        )
    return downloads


def _write_source_files(folder: Path, config: EditionConfig, table: Table) -> list[Download]:
    """An edition's source CSV and its CSVW metadata, copied as they are (except a CSV cell
    that a spreadsheet would run as a formula: see :mod:`converter.spreadsheet`, and the
    BOM that tells Excel the file is UTF-8). A workbook edition is published as the CSV
    of its table (``dx-kpi-fy2024.xlsx`` as ``dx-kpi-fy2024.csv``), beside the CSVW
    metadata of that CSV."""
    downloads = []
    csv_path = config.table.with_name(table.source_name)
    for source, fmt, ja, en in (
        (csv_path, CSV, "原表（CSV）", "Source table (CSV)"),
        (
            csv_path.with_name(csv_path.name + "-metadata.json"),
            CSVW,
            "原表のCSVWメタデータ",
            "CSVW metadata of the source table",
        ),
    ):
        if fmt is CSV and table.records:
            body = spreadsheet_csv(_records_csv(table), source.name)
        elif not source.is_file():
            raise InputError(
                "がありません。データと一緒に公開します / is missing (the build publishes it "
                "beside the data)",
                file=str(source),
            )
        else:
            body = source.read_bytes()
        if fmt is CSV and not table.records and source.suffix.lower() == ".csv":
            body = spreadsheet_csv(body, source.name)
        write(folder / source.name, body)
        year = f"{year_label(config.fiscal_year)} "
        downloads.append(
            Download(
                source.name,
                fmt.media_type,
                fmt.file_type,
                year + ja,
                f"{en}, FY{config.fiscal_year}",
                len(body),
            )
        )
    return downloads


def _records_csv(table: Table) -> bytes:
    """A workbook's table as the CSV the source tables are kept in (UTF-8, "\n", quotes
    only where needed), one cell per heading."""
    width = len(table.records[0])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for record in table.records:
        writer.writerow(record[:width] + [""] * (width - len(record)))
    return out.getvalue().encode("utf-8")


def write_catalog(folder: Path, catalog: Graph, base_iri: str) -> None:
    for fmt in RDF_FORMATS:
        if fmt is not N_TRIPLES:
            write(folder / f"catalog.{fmt.extension}", fmt.serialize(catalog, base_iri=base_iri))


def write_ontology_docs(folder: Path, ontology: Graph) -> None:
    from converter.docs import ontology_html

    write(folder / "ontology.html", ontology_html(ontology).encode("utf-8"))
