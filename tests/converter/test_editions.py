"""A later edition (R6 results) is added without changing any IRI of the FY2023 edition."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, URIRef

from converter.build import build
from tests.conftest import PUBLICATION, ROOT

DATA = ROOT / "data"


def second_edition(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    for name in ("organizations.csv", "dx-kpi-fy2023.csv", "dx-kpi-fy2023.csv-metadata.json"):
        (data / name).write_bytes((DATA / name).read_bytes())
    # The FY2024 table: same layout, its own status heading and one new actual.
    table = (DATA / "dx-kpi-fy2023.csv").read_text("utf-8")
    table = table.replace("令和５年度取組状況", "令和６年度取組状況", 1).replace(
        ",64,169,", ",68,500,"
    )
    table = table.replace('"64,169"', '"68,500"')
    (data / "dx-kpi-fy2024.csv").write_text(table, "utf-8")
    (data / "dx-kpi-fy2024.csv-metadata.json").write_bytes(
        (DATA / "dx-kpi-fy2023.csv-metadata.json").read_bytes()
    )
    config = (
        PUBLICATION.read_text("utf-8")
        + """
[[editions]]
fiscal_year = 2024
table = "dx-kpi-fy2024.csv"
title_ja = "令和６年度版（試験用）"
title_en = "FY2024 edition (test)"
"""
    )
    (data / "publication.toml").write_text(config, "utf-8")
    return data / "publication.toml"


def subjects(path: Path) -> set[URIRef]:
    return {s for s in Graph().parse(path, format="nt").subjects() if isinstance(s, URIRef)}


def test_adding_an_edition_keeps_every_iri(dist_dir: Path, tmp_path: Path) -> None:
    result = build(second_edition(tmp_path), tmp_path / "dist")
    assert result.editions == [2023, 2024] and result.report.conforms
    before = (dist_dir / "graphs" / "fy2023.nt").read_bytes()
    after = (tmp_path / "dist" / "graphs" / "fy2023.nt").read_bytes()
    assert after == before  # the FY2023 graph is untouched, byte for byte
    both = subjects(tmp_path / "dist" / "download" / "dx-kpi.nt")
    assert subjects(dist_dir / "download" / "dx-kpi.nt") <= both
    base = "https://data.pref.fukushima.lg.jp/dx/id/"
    assert URIRef(base + "project/fy2024/8") in both
    assert URIRef(base + "value/fy2024/kpi-3/actual-fy2024") in both
    assert URIRef(base + "kpi/3") in both  # one KPI across editions, not one per edition
    graph = Graph().parse(tmp_path / "dist" / "download" / "dx-kpi.nt", format="nt")
    carriers = set(
        graph.objects(
            URIRef(base + "kpi/2"),
            URIRef("https://data.pref.fukushima.lg.jp/dx/ontology#carriedBy"),
        )
    )
    assert carriers == {URIRef(base + "project/fy2023/8"), URIRef(base + "project/fy2024/8")}
