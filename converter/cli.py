"""Command line: ``python -m converter build|validate|convert|template|formats|publish``.

Exit codes (the only place that exits):
  0  success
  1  SHACL: the graph does not conform; nothing was published
  2  input or configuration error (file, row and column are named); also a build that
     would remove published projects, KPIs, rows or values (without --allow-removals)
  3  internal error (a bug: please report it)
  4  the SPARQL store failed during publish
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from converter.build import build, convert_table
from converter.changes import RemovalsRefused
from converter.contract import DEFAULT_BASE_IRI
from converter.errors import ConverterError, no_problems
from converter.formats import RDF_FORMATS, from_extension
from converter.next_edition import make_template
from converter.publish import PublishError, endpoints, publish
from converter.validate import load_shapes, validate

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PUBLICATION = ROOT / "data" / "publication.toml"
DEFAULT_ORGS = ROOT / "data" / "organizations.csv"


def _fail(error: ConverterError) -> None:
    click.echo(f"エラー / error: {error}", err=True)
    sys.exit(error.exit_code)


class _Group(click.Group):
    """Turns an unexpected exception (a bug) into exit code 3 with one readable line."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001 - the CLI promises no traceback
            if os.environ.get("DX_DEBUG"):
                raise
            click.echo(
                f"内部エラー / internal error (a bug, please report it; DX_DEBUG=1 shows "
                f"the traceback): {exc!r}",
                err=True,
            )
            sys.exit(3)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="fukushima-dx-lod")
def main() -> None:
    """福島県 行政DX KPI表 → リンクトオープンデータ / DX KPI table → linked open data."""


@main.command("build")
@click.option(
    "--config",
    "publication",
    type=click.Path(path_type=Path),
    default=DEFAULT_PUBLICATION,
    show_default=True,
    help="publication.toml",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("dist"),
    show_default=True,
    help="output folder (replaced only on success)",
)
@click.option("--base-iri", envvar="DX_BASE_IRI", help="canonical base IRI of the data")
@click.option(
    "--allow-removals",
    is_flag=True,
    help="replace the published build even if projects, KPIs, rows or values of an edition "
    "it publishes are gone / 公開中の事業・KPI・行・値の削除を認める",
)
def build_command(publication: Path, out: Path, base_iri: str | None, allow_removals: bool) -> None:
    """Convert, validate and write dist/ atomically. / 変換・検証して dist/ に出力。

    The new build is compared with the one OUT publishes; the change summary is printed,
    and a build that would remove published data is refused (exit 2) without
    --allow-removals.
    """
    try:
        result = build(publication, out, base_iri=base_iri, allow_removals=allow_removals)
    except RemovalsRefused as error:
        click.echo(error.changes.text(), err=True)
        _fail(error)
        return
    except ConverterError as error:
        _fail(error)
        return
    for warning in result.warnings:
        click.echo(f"警告 / warning: {warning}", err=True)
    if result.report.warnings:
        click.echo(result.report.text(), err=True)
    for line in result.checked:
        click.echo(line)
    if result.changes is not None:
        click.echo(result.changes.text())
    click.echo(f"OK: {result.triples} triples, editions {result.editions} → {result.out}")


@main.command("validate")
@click.argument("table", type=click.Path(path_type=Path))
@click.option(
    "--organizations", type=click.Path(path_type=Path), default=DEFAULT_ORGS, show_default=True
)
@click.option("--encoding", help="e.g. cp932 (default: UTF-8, then CP932)")
@click.option("--sheet", help=".xlsx sheet name (default: the first)")
def validate_command(
    table: Path, organizations: Path, encoding: str | None, sheet: str | None
) -> None:
    """Check one table and its graph against the shapes; write nothing. / 表を検査。"""
    try:
        graph, edition = convert_table(table, organizations, encoding=encoding, sheet=sheet)
    except ConverterError as error:
        _fail(error)
        return
    click.echo(no_problems(table.name, len(edition.listings)))
    report = validate(graph, load_shapes())
    click.echo(report.text())
    for warning in edition.warnings:
        click.echo(f"警告 / warning: {warning}", err=True)
    if not report.conforms:
        sys.exit(1)
    click.echo(
        f"OK: {len(edition.projects)} projects, {len(edition.kpis)} KPIs, "
        f"{len(edition.listings)} rows ({sum(x.is_relisting for x in edition.listings)} "
        f"再掲), {len(graph)} triples"
    )


@main.command("convert")
@click.argument("table", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice([f.extension for f in RDF_FORMATS]),
    default="ttl",
    show_default=True,
)
@click.option(
    "--organizations", type=click.Path(path_type=Path), default=DEFAULT_ORGS, show_default=True
)
@click.option("--encoding", help="e.g. cp932 (default: UTF-8, then CP932)")
@click.option("--sheet", help=".xlsx sheet name (default: the first)")
@click.option("--base-iri", envvar="DX_BASE_IRI")
def convert_command(
    table: Path,
    fmt: str,
    organizations: Path,
    encoding: str | None,
    sheet: str | None,
    base_iri: str | None,
) -> None:
    """Convert one table to RDF on standard output (not validated). / 表をRDFに変換。"""
    try:
        graph, _ = convert_table(
            table, organizations, encoding=encoding, sheet=sheet, base_iri=base_iri
        )
    except ConverterError as error:
        _fail(error)
        return
    chosen = from_extension(fmt, RDF_FORMATS)
    assert chosen is not None  # click.Choice allows only these
    sys.stdout.buffer.write(chosen.serialize(graph, base_iri=base_iri or DEFAULT_BASE_IRI))


@main.command("template")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="the workbook to write (.xlsx), or a folder for dx-kpi-fy<year>.xlsx",
)
@click.option(
    "--edition",
    type=int,
    help="the published edition to carry forward, e.g. 2023 (default: the latest)",
)
@click.option(
    "--for-year",
    "year",
    type=int,
    help="the fiscal year of the new edition (default: the edition's year + 1; the same "
    "year gives a workbook to type that edition's values in again)",
)
@click.option(
    "--config",
    "publication",
    type=click.Path(path_type=Path),
    default=DEFAULT_PUBLICATION,
    show_default=True,
    help="publication.toml",
)
def template_command(out: Path, edition: int | None, year: int | None, publication: Path) -> None:
    """Write the workbook for the next edition. / 次の年度版の入力用ブックを作成。

    Built from the schema and the edition it carries forward: the projects, KPIs and
    targets prefilled, the new edition's cells (実績値, 評価, 取組状況) empty and yellow.
    """
    try:
        result = make_template(publication, out, edition=edition, year=year)
    except ConverterError as error:
        _fail(error)
        return
    click.echo(result.text())


@main.command("formats")
def formats_command() -> None:
    """List the RDF formats. / 出力形式の一覧。"""
    for fmt in RDF_FORMATS:
        click.echo(f"{fmt.extension}\t{fmt.media_type}\t{fmt.name}")


@main.command("publish")
@click.argument("dist", type=click.Path(path_type=Path))
@click.option(
    "--store",
    "store_url",
    required=True,
    envvar="DX_PUBLISH_STORE",
    help="Graph Store Protocol URL (…/store, …/data, Virtuoso's …/sparql-graph-crud-auth) or "
    "an Oxigraph base URL.",
)
@click.option("--query-url", help="SPARQL query endpoint [default: sibling …/query].")
@click.option("--update-url", help="SPARQL update endpoint [default: sibling …/update].")
@click.option(
    "--timeout",
    type=float,
    default=60.0,
    show_default=True,
    help="Seconds to wait for each request.",
)
@click.option(
    "--user",
    envvar="DX_STORE_USER",
    show_envvar=True,
    help="User of the store's publishing account (HTTP Basic or Digest, as the store asks; "
    "Graph Store, Update and query requests).",
)
@click.option(
    "--password",
    envvar="DX_STORE_PASSWORD",
    show_envvar=True,
    help="Its password; prefer the environment variable (command lines are visible).",
)
def publish_command(
    dist: Path,
    store_url: str,
    query_url: str | None,
    update_url: str | None,
    timeout: float,
    user: str | None,
    password: str | None,
) -> None:
    """Publish the validated build DIST into a SPARQL 1.1 store.

    Exit codes: 0 published; 2 input/config error (not a validated build, bad URL, user
    without password; the store was not touched); 4 store failure (the previous edition is
    still served unless the message says "switched"); 3 internal error.
    """
    ctx = click.get_current_context()
    try:
        ends = endpoints(store_url, query_url, update_url)
        report = publish(
            dist,
            store_url=ends.store_url,
            query_url=ends.query_url,
            update_url=ends.update_url,
            timeout=timeout,
            user=user,
            password=password,
        )
    except PublishError as exc:
        click.echo(f"publish: {exc}", err=True)
        ctx.exit(exc.exit_code)
    except Exception as exc:  # noqa: BLE001 - the CLI promises no traceback
        message = f"publish: internal error: {exc!r}"
        click.echo(message.replace(password, "***") if password else message, err=True)
        ctx.exit(3)
    for iri, triples in report.graphs.items():
        click.echo(f"{iri}\t{triples} triples")
    if report.stale_staging_dropped:
        click.echo(f"dropped {report.stale_staging_dropped} staging graph(s) of an earlier run")
    click.echo(f"published {len(report.graphs)} graph(s) to {ends.store_url} in {report.seconds} s")
