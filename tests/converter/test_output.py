"""The four formats round-trip; output is byte-identical run after run; dist/ is atomic."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from converter.build import build
from converter.contract import Manifest
from converter.errors import ValidationFailed
from converter.formats import RDF_FORMATS
from tests.conftest import PUBLICATION, ROOT
from tests.support.trees import file_digests

PARSERS = {"ttl": "turtle", "jsonld": "json-ld", "nt": "nt", "rdf": "xml"}


def assert_isomorphic(expected: Graph, actual: Graph) -> None:
    if isomorphic(expected, actual):
        return
    _, only_expected, only_actual = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
    lines = [f"- {t}" for t in sorted(only_expected)[:10]] + [
        f"+ {t}" for t in sorted(only_actual)[:10]
    ]
    pytest.fail("graphs differ:\n" + "\n".join(lines))


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=lambda f: f.extension)
def test_each_format_round_trips(dist_dir: Path, data_graph: Graph, fmt) -> None:  # type: ignore[no-untyped-def]
    parsed = Graph().parse(
        dist_dir / "download" / f"dx-kpi.{fmt.extension}", format=PARSERS[fmt.extension]
    )
    assert_isomorphic(data_graph, parsed)


def test_jsonld_is_compact_and_readable(dist_dir: Path) -> None:
    document = json.loads((dist_dir / "download" / "dx-kpi.jsonld").read_text("utf-8"))
    context = document["@context"]
    assert context["name"] == {"@id": "schema:name", "@container": "@language"}
    kpi = next(
        node
        for node in document["@graph"]
        if node["id"] == "https://data.pref.fukushima.lg.jp/dx/id/kpi/3"
    )
    assert kpi["name"] == {"ja": "自動車税種別割に係る電子決済利用件数"}
    assert kpi["kpiNumber"] == "3" or kpi["kpiNumber"] == 3
    standalone = json.loads((dist_dir / "download" / "context.jsonld").read_text("utf-8"))
    assert standalone["@context"] == context


def test_build_is_byte_identical_across_processes(dist_dir: Path, tmp_path: Path) -> None:
    # A fresh interpreter with another hash seed must write the very same bytes.
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run(
        [sys.executable, "-m", "converter", "build", "--out", str(tmp_path / "b")],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    assert file_digests(tmp_path / "b") == file_digests(dist_dir)


def test_failed_build_leaves_previous_publication(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    build(PUBLICATION, out)
    before = file_digests(out)
    broken_shapes = tmp_path / "shapes.ttl"
    broken_shapes.write_text(
        (ROOT / "shapes" / "dx-shapes.ttl")
        .read_text("utf-8")
        .replace(
            "sh:path dx:projectNumber ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:integer",
            "sh:path dx:projectNumber ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:string",
        ),
        "utf-8",
    )
    with pytest.raises(ValidationFailed) as failure:
        build(PUBLICATION, out, shapes_file=broken_shapes)
    assert failure.value.violations == 52
    assert file_digests(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_manifest_lists_graphs_and_validation(dist_dir: Path) -> None:
    manifest = Manifest.read(dist_dir)
    assert manifest.validation.conforms and manifest.validation.violations == 0
    base = "https://data.pref.fukushima.lg.jp/dx/graph/"
    assert {g.iri: g.path for g in manifest.graphs} == {
        f"{base}catalog": "graphs/catalog.nt",
        f"{base}fy2023": "graphs/fy2023.nt",
        f"{base}ontology": "graphs/ontology.nt",
        f"{base}series": "graphs/series.nt",  # no changes graph: one edition, nothing to compare
    }
    for graph in manifest.graphs:
        lines = (dist_dir / graph.path).read_text("utf-8").splitlines()
        assert len(lines) == graph.triples
