"""The pipeline: tables → RDF → SHACL gate → dist/, written atomically.

Everything is first written to a sibling temporary folder; only a build that passed the
gate replaces dist/, so a failed build leaves the previous publication intact.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from converter import __version__
from converter.catalog import catalog_graph
from converter.changes import Changes, PublishedUnreadable, compare, refuse_removals
from converter.config import Publication, load_publication
from converter.contract import Manifest, Validation, file_entry, graph_entry
from converter.diff import changes_graph
from converter.downloads import write, write_catalog, write_downloads, write_ontology_docs
from converter.edition_build import build_edition
from converter.era import edition_label, year_label
from converter.errors import InputError, Problems, ValidationFailed, no_problems
from converter.formats import N_TRIPLES, for_file
from converter.gcpause import paused_gc
from converter.iris import Iris
from converter.mapping import check_disjoint, edition_graph
from converter.model import Edition
from converter.orgs import read_register
from converter.reader import read_table
from converter.series import series_graph
from converter.table import Table
from converter.validate import SHAPES_FILE, Report, load_shapes, validate, validate_each
from converter.workbook.schema import STAMP_SOURCE_EDITION, STAMP_SOURCE_SHA256
from converter.writers import Sorted

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY_FILE = ROOT / "ontology" / "dx.ttl"


@dataclass
class BuildResult:
    out: Path
    triples: int  # in the data dumps (download/dx-kpi.*): editions, series, changes
    editions: list[int]
    report: Report
    warnings: list[str] = field(default_factory=list)
    changes: Changes | None = None  # against the build ``out`` held; None if not compared
    checked: list[str] = field(default_factory=list)  # "…: 問題はありません / no problems"


def convert_table(
    table: Path,
    organizations: Path,
    *,
    fiscal_year: int | None = None,
    base_iri: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    title_ja: str = "",
    title_en: str = "",
) -> tuple[Graph, Edition]:
    """Convert one table (CSV, CP932 CSV or .xlsx) to its edition graph.

    :raises InputError: the table or the register is malformed (file, row, column named).
    :raises TableProblems: every problem of the table's cells and rows, grouped by row.
    """
    _, edition = read_edition(
        table, organizations, fiscal_year=fiscal_year, encoding=encoding, sheet=sheet
    )
    return edition_graph_for(edition, base_iri, title_ja, title_en), edition


def read_edition(
    table: Path,
    organizations: Path,
    *,
    fiscal_year: int | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
) -> tuple[Table, Edition]:
    """Read one table and check it as an edition; every problem is reported at once.

    :raises InputError: the file cannot be read as a table, or is of another edition.
    :raises TableProblems: every problem of the table's cells and rows, grouped by row.
    """
    problems = Problems(Path(table).name)
    parsed = read_table(table, encoding=encoding, sheet=sheet, problems=problems)
    if fiscal_year is not None and parsed.fiscal_year != fiscal_year:
        raise InputError(_year_problem(parsed, fiscal_year), file=table.name, row=1)
    edition = build_edition(parsed, read_register(organizations), problems)
    problems.raise_if_any()
    edition.warnings[:0] = parsed.warnings  # the reader's come first, as they came first
    return parsed, edition


def _year_problem(parsed: Table, fiscal_year: int) -> str:
    said = parsed.fiscal_year
    if parsed.stamp:
        return (
            f"このテンプレートは{edition_label(said)}用ですが、publication.toml の年度版は"
            f"{year_label(fiscal_year)}です / this template is for the FY{said} edition but "
            f"publication.toml lists it as FY{fiscal_year}: use the template of that edition"
        )
    return (
        f"取組状況の見出しは{year_label(said)}ですが、年度版は{year_label(fiscal_year)}です"
        f" / the 取組状況 heading says {year_label(said)} but the edition is FY{fiscal_year}"
    )


def edition_graph_for(
    edition: Edition, base_iri: str | None, title_ja: str = "", title_en: str = ""
) -> Graph:
    """The graph of a checked edition, titled as publication.toml (or by default) says."""
    iris = Iris(base_iri) if base_iri else Iris()
    title_ja = title_ja or f"{year_label(edition.fiscal_year)} 行政のDX関連事業・KPI一覧"
    title_en = title_en or f"Administrative DX projects and KPIs, FY{edition.fiscal_year}"
    return edition_graph(edition, iris, title_ja, title_en)


def build(
    publication: Path,
    out: Path,
    *,
    base_iri: str | None = None,
    shapes_file: Path = SHAPES_FILE,
    allow_removals: bool = False,
) -> BuildResult:
    """Build, validate and publish into ``out`` (replaced only on success).

    :raises InputError: a source file is malformed.
    :raises RemovalsRefused: the build would remove projects, KPIs, rows or values that
        ``out`` publishes, and ``allow_removals`` is not set; ``out`` is left untouched.
    :raises ValidationFailed: the graph violates the shapes; ``out`` is left untouched.
    """
    with paused_gc():
        return _build(publication, out, base_iri, shapes_file, allow_removals)


def _build(
    publication: Path,
    out: Path,
    base_iri: str | None,
    shapes_file: Path,
    allow_removals: bool,
) -> BuildResult:
    pub = load_publication(publication, base_iri=base_iri)
    iris = Iris(pub.base_iri)
    graphs, data, warnings, tables = _convert_all(pub)
    # Each edition's triples sorted once, for its graph file, the comparison and the dumps.
    views = {year: Sorted(graph) for year, graph in graphs.items()}
    out = Path(out)
    changes, serialized = _gate(out, Path(publication).name, pub, views, allow_removals, warnings)
    history = _history(pub, iris, serialized)
    # The dumps hold every graph but the catalog and the ontology (their own downloads).
    dump = Sorted.merged([*views.values(), *(Sorted(graph) for graph in history.values())])
    triples = len(data) + sum(len(graph) for graph in history.values())
    ontology = Graph().parse(ONTOLOGY_FILE, format="turtle")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        downloads = write_downloads(
            staging / "download", pub, iris, dump, shapes_file, tables, ONTOLOGY_FILE
        )
        editions = sorted(graphs)
        catalog = catalog_graph(pub, iris, downloads, triples, editions)
        named = {f"fy{year}": graph for year, graph in graphs.items()}
        named.update(catalog=catalog, ontology=ontology, **history)
        report = _check(data, named, shapes_file)
        write_catalog(staging / "download", catalog, pub.base_iri)
        write_ontology_docs(staging / "download", ontology)
        _write_graphs(staging, iris, named, serialized)
        _write_manifest(staging, pub, iris, named, report, triples, editions)
        _replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    checked = [no_problems(tables[year].file, len(tables[year].rows)) for year in sorted(tables)]
    return BuildResult(out, triples, sorted(graphs), report, warnings, changes, checked)


def _convert_all(
    pub: Publication,
) -> tuple[dict[int, Graph], Graph, list[str], dict[int, Table]]:
    """Each edition's graph, all of them in one graph, the warnings and the tables read.

    Editions share resources (KPIs, plan items, organisations, fiscal years). A triple an
    earlier edition states stays in that edition's graph only: stated twice, the store's
    default graph would count it twice; and an earlier graph never changes when a later
    edition is added (docs/editions.md).
    """
    graphs: dict[int, Graph] = {}
    tables: dict[int, Table] = {}
    warnings: list[str] = []
    data = Graph()
    for config in pub.editions:
        table, edition = read_edition(
            config.table, pub.organizations, fiscal_year=config.fiscal_year
        )
        graph = edition_graph_for(edition, pub.base_iri, config.title_ja, config.title_en)
        tables[config.fiscal_year] = table
        warnings.extend(edition.warnings)
        warnings.extend(_stale_template(pub, table))
        if graphs:  # the first edition keeps all its triples: no copy of a large graph
            graph = _not_in(graph, data)
        graphs[config.fiscal_year] = graph
        if len(pub.editions) > 1:
            data += graph
    if len(graphs) == 1:  # one edition: its graph is all the data
        (data,) = graphs.values()
    return graphs, data, warnings, tables


def _stale_template(pub: Publication, table: Table) -> list[str]:
    """A warning when the edition a template carried forward has changed since."""
    source = table.stamp.get(STAMP_SOURCE_EDITION, "")
    digest = table.stamp.get(STAMP_SOURCE_SHA256, "")
    for config in pub.editions:
        if str(config.fiscal_year) != source or not config.table.is_file():
            continue
        now = hashlib.sha256(config.table.read_bytes()).hexdigest()
        if digest and now != digest:
            return [
                f"{table.file}: テンプレートを作った後で{edition_label(config.fiscal_year)}の表"
                f"（{config.table.name}）が変わりました。引き継いだ値が古くないか確かめてください /"
                f" {config.table.name} changed after this template was made from it (sha256 "
                f"{digest[:12]}… then, {now[:12]}… now): check the values it carried forward"
            ]
    return []


def _not_in(graph: Graph, data: Graph) -> Graph:
    kept = Graph()
    for triple in graph:
        if triple not in data:
            kept.add(triple)
    return kept


def _gate(
    out: Path,
    config: str,
    pub: Publication,
    views: dict[int, Sorted],
    allow_removals: bool,
    warnings: list[str],
) -> tuple[Changes | None, dict[str, bytes]]:
    """Compare with the publication in ``out``; refuse removals unless they are allowed.

    Returns the changes and the edition graphs as N-Triples (by graph name): the one
    serialization serves the comparison and ``graphs/<name>.nt``.

    :raises RemovalsRefused: something published would be removed (not allowed).
    :raises PublishedUnreadable: ``out`` cannot be read (not allowed to replace it blindly).
    """
    base = Iris(pub.base_iri).base
    built = {year: N_TRIPLES.serialize(view, base_iri=base) for year, view in views.items()}
    serialized = {f"fy{year}": body for year, body in built.items()}
    try:
        changes = compare(out, built, pub.base_iri)
    except PublishedUnreadable as exc:
        if not allow_removals:
            raise
        warnings.append(str(exc))
        return None, serialized
    if not allow_removals:
        refuse_removals(changes, {c.fiscal_year: c.table.name for c in pub.editions}, config)
    return changes, serialized


def _history(pub: Publication, iris: Iris, serialized: dict[str, bytes]) -> dict[str, Graph]:
    """The series graph, and the changes graph when consecutive editions differ."""
    history = {"series": series_graph(pub, iris)}
    years = {config.fiscal_year: serialized[f"fy{config.fiscal_year}"] for config in pub.editions}
    changes = changes_graph(iris, years)
    if len(changes):  # one edition has nothing to compare with: no empty graph is published
        history["changes"] = changes
    return history


def _check(data: Graph, named: dict[str, Graph], shapes_file: Path) -> Report:
    """Refuse a triple stated in two graphs (it would make the store's default graph a
    multiset), then run the SHACL gate on every graph (the ontology's terms are not data):
    on their union, and the shapes marked ``dxsh:eachGraph`` on each named graph alone.

    ``data`` is the union of the edition graphs of ``named``. The gate sees one graph:
    ``data`` holds the other graphs' triples while it runs (they are small; a copy of
    ``data`` cost more than validating it at 100×) and gets back exactly its own
    afterwards, since no triple is in two graphs.

    :raises ConverterError: two graphs share a triple.
    :raises ValidationFailed: the graphs violate the shapes.
    """
    others = {name: graph for name, graph in named.items() if not name.startswith("fy")}
    check_disjoint({"data": data, **others})
    small = [graph for name, graph in others.items() if name != "ontology"]
    shapes = load_shapes(shapes_file)
    for graph in small:
        data += graph
    try:
        report = validate(data, shapes)
    finally:
        for graph in small:
            data -= graph
    alone = validate_each({n: g for n, g in named.items() if n != "ontology"}, shapes)
    report = Report(report.findings + alone.findings)
    if not report.conforms:
        raise ValidationFailed(report.text(), len(report.violations))
    return report


def _write_graphs(
    staging: Path, iris: Iris, named: dict[str, Graph], serialized: dict[str, bytes]
) -> None:
    for name, graph in named.items():
        body = serialized.get(name) or N_TRIPLES.serialize(graph, base_iri=iris.base)
        write(staging / "graphs" / f"{name}.nt", body)


def _write_manifest(
    staging: Path,
    pub: Publication,
    iris: Iris,
    named: dict[str, Graph],
    report: Report,
    triples: int,
    editions: list[int],
) -> None:
    names = sorted(path.name for path in (staging / "download").iterdir())
    Manifest(
        base_iri=pub.base_iri,
        generator=f"fukushima-dx-lod {__version__}",
        modified=pub.day("modified").isoformat(),
        editions=tuple(editions),
        triples=triples,
        graphs=tuple(
            graph_entry(staging, str(iris.graph(name)), f"graphs/{name}.nt", len(named[name]))
            for name in sorted(named)
        ),
        files=tuple(file_entry(staging, name, for_file(name).media_type) for name in names),
        validation=Validation(report.conforms, len(report.violations), len(report.warnings)),
    ).write(staging)


def _replace(staging: Path, out: Path) -> None:
    """Swap the finished build in; the old one is removed only after the swap."""
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
    os.replace(staging, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
