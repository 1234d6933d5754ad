"""The named graphs of a build are disjoint: no triple is stated in two of them.

A store's default graph (the union of the named graphs) counts a triple stated twice two
times, so overlapping graphs make ``COUNT(*)`` disagree with ``DISTINCT`` and with the dumps.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from converter.errors import ConverterError
from converter.mapping import check_disjoint, shared_triples
from converter.vocab import DX


@pytest.fixture(scope="module")
def named(dist_dir: Path) -> dict[str, Graph]:
    return {
        p.stem: Graph().parse(p, format="nt") for p in sorted((dist_dir / "graphs").glob("*.nt"))
    }


def test_the_build_has_disjoint_graphs(named: dict[str, Graph]) -> None:
    assert set(named) >= {"fy2023", "catalog", "ontology"}
    assert shared_triples(named) == {}
    check_disjoint(named)


def test_the_baseline_period_is_described_by_the_ontology_only(named: dict[str, Graph]) -> None:
    assert (DX.BaselinePeriod, RDF.type, DX.ReferencePeriod) in named["ontology"]
    assert (DX.BaselinePeriod, RDFS.label, None) in named["ontology"]
    assert (DX.BaselinePeriod, None, None) not in named["fy2023"]
    # Baseline values still point at it.
    assert (None, DX.refPeriod, DX.BaselinePeriod) in named["fy2023"]


def test_check_disjoint_names_the_graphs_and_a_triple() -> None:
    triple = (URIRef("https://example.org/s"), RDFS.label, Literal("x", lang="en"))
    first, second, third = Graph(), Graph(), Graph()
    first.add(triple)
    second.add(triple)
    third.add((URIRef("https://example.org/t"), RDFS.label, Literal("y", lang="en")))
    graphs = {"fy2023": first, "ontology": second, "catalog": third}
    assert shared_triples(graphs) == {("fy2023", "ontology"): 1}
    with pytest.raises(ConverterError, match=r"fy2023 and ontology both state 1 triple.*example"):
        check_disjoint(graphs)
