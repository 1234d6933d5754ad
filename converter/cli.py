"""Command line: ``python -m converter build|validate|convert|template|formats|publish``.

Exit codes (the only place that exits: :class:`_Command`, every command's one exit path):
  0  success
  1  SHACL: the graph does not conform; nothing was published
  2  input or configuration error (file, row and column are named); also a build that
     would remove published projects, KPIs, rows or values (without --allow-removals)
  3  internal error (a bug: please report it; DX_DEBUG=1 prints the traceback)
  4  the SPARQL store failed during publish

A command returns its exit code (None: 0) or raises; :data:`EXIT_CODES` maps each error
class to its code, the way oxigraph's ``main`` turns the ``Result`` of a command into one
exit path and pySHACL's cli has one ``except`` per error class.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from typing import Any

import click

from converter.build import build, convert_table
from converter.changes import RemovalsRefused
from converter.contract import DEFAULT_BASE_IRI
from converter.errors import ConverterError, InputError, ValidationFailed, no_problems
from converter.formats import RDF_FORMATS, from_extension
from converter.next_edition import make_template
from converter.publish import PublishError, PublishInputError, endpoints, publish
from converter.validate import load_shapes, validate

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PUBLICATION = ROOT / "data" / "publication.toml"
DEFAULT_ORGS = ROOT / "data" / "organizations.csv"

EXIT_OK, EXIT_NOT_CONFORMANT, EXIT_INPUT, EXIT_INTERNAL, EXIT_STORE = 0, 1, 2, 3, 4

#: Each error class and its exit code, the most specific first (the first match wins).
EXIT_CODES: tuple[tuple[type[ConverterError], int], ...] = (
    (ValidationFailed, EXIT_NOT_CONFORMANT),
    (InputError, EXIT_INPUT),  # RemovalsRefused, TableProblems, ManifestError among them
    (PublishInputError, EXIT_INPUT),
    (PublishError, EXIT_STORE),
    (ConverterError, EXIT_INTERNAL),  # the converter knows what went wrong, but cannot go on
)


def exit_code_of(error: BaseException) -> int:
    """The exit code of ``error``: its class's in :data:`EXIT_CODES`; else 3 (a bug)."""
    return next((code for cls, code in EXIT_CODES if isinstance(error, cls)), EXIT_INTERNAL)


class _Command(click.Command):
    """A command whose result becomes the exit code, in one place for every command.

    ``error_prefix`` starts the line that reports a :class:`ConverterError`;
    ``internal_prefix`` the line that reports any other exception (a bug: no traceback
    unless ``DX_DEBUG`` is set). A ``--password`` given to the command never appears.
    """

    def __init__(
        self,
        *args: Any,
        error_prefix: str = "エラー / error: ",
        internal_prefix: str = "内部エラー / internal error (a bug, please report it; "
        "DX_DEBUG=1 shows the traceback): ",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.error_prefix, self.internal_prefix = error_prefix, internal_prefix

    def invoke(self, ctx: click.Context) -> None:
        try:
            status = super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except RemovalsRefused as error:  # what the build would remove, then the refusal
            _say(ctx, error.changes.text())
            status = self._refuse(ctx, error)
        except ConverterError as error:
            status = self._refuse(ctx, error)
        except Exception as error:  # noqa: BLE001 - the one place a bug becomes exit code 3
            status = self._refuse(ctx, error, self.internal_prefix + repr(error))
        if status:
            ctx.exit(status)

    def _refuse(self, ctx: click.Context, error: Exception, line: str | None = None) -> int:
        code = exit_code_of(error)
        if code == EXIT_INTERNAL and os.environ.get("DX_DEBUG"):
            _say(ctx, "".join(traceback.format_exception(error)).rstrip())
        _say(ctx, line if line is not None else f"{self.error_prefix}{error}")
        return code


def _say(ctx: click.Context, text: str) -> None:
    """``text`` on standard error, with the command's password (if any) masked."""
    password = ctx.params.get("password")
    click.echo(text.replace(password, "***") if password else text, err=True)


class _Group(click.Group):
    command_class = _Command


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="fukushima-dx-lod")
def main() -> None:
    """福島県 行政DX KPI表 → リンクトオープンデータ / DX KPI table → linked open data."""


#: ``--config``: the publication settings (publication.toml) a command reads.
publication_option = click.option(
    "--config",
    "publication",
    type=click.Path(path_type=Path),
    default=DEFAULT_PUBLICATION,
    show_default=True,
    help="publication.toml",
)


@main.command("build")
@publication_option
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
    result = build(publication, out, base_iri=base_iri, allow_removals=allow_removals)
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
) -> int | None:
    """Check one table and its graph against the shapes; write nothing. / 表を検査。"""
    graph, edition = convert_table(table, organizations, encoding=encoding, sheet=sheet)
    click.echo(no_problems(table.name, len(edition.listings)))
    report = validate(graph, load_shapes())
    click.echo(report.text())
    for warning in edition.warnings:
        click.echo(f"警告 / warning: {warning}", err=True)
    if not report.conforms:
        return EXIT_NOT_CONFORMANT
    click.echo(
        f"OK: {len(edition.projects)} projects, {len(edition.kpis)} KPIs, "
        f"{len(edition.listings)} rows ({sum(x.is_relisting for x in edition.listings)} "
        f"再掲), {len(graph)} triples"
    )
    return EXIT_OK


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
    graph, _ = convert_table(
        table, organizations, encoding=encoding, sheet=sheet, base_iri=base_iri
    )
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
@publication_option
def template_command(out: Path, edition: int | None, year: int | None, publication: Path) -> None:
    """Write the workbook for the next edition. / 次の年度版の入力用ブックを作成。

    Built from the schema and the edition it carries forward: the projects, KPIs and
    targets prefilled, the new edition's cells (実績値, 評価, 取組状況) empty and yellow.
    """
    result = make_template(publication, out, edition=edition, year=year)
    click.echo(result.text())


@main.command("formats")
def formats_command() -> None:
    """List the RDF formats. / 出力形式の一覧。"""
    for fmt in RDF_FORMATS:
        click.echo(f"{fmt.extension}\t{fmt.media_type}\t{fmt.name}")


@main.command("publish", error_prefix="publish: ", internal_prefix="publish: internal error: ")
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
    for iri, triples in report.graphs.items():
        click.echo(f"{iri}\t{triples} triples")
    if report.stale_staging_dropped:
        click.echo(f"dropped {report.stale_staging_dropped} staging graph(s) of an earlier run")
    click.echo(f"published {len(report.graphs)} graph(s) to {ends.store_url} in {report.seconds} s")
