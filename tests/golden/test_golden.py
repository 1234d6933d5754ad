"""Golden cases: each folder's input builds exactly its ``expected.nq``, graph by graph.

A case is a folder with ``publication.toml`` (the settings; its tables and organisations
where its paths say) and ``expected.nq``, every named graph of the build as N-Quads
(morph-kgc's ``test/rml-core/csv/RMLTC0000/``). The build is compared with it graph by graph
as isomorphic graphs, and a difference is shown triple by triple (rdflib's
``GraphHelper.assert_isomorphic``). ``graph/ontology`` is ``ontology/dx.ttl`` as it is: it
is compared with that file instead of being copied into every case.

``pytest tests/golden --update-golden`` rewrites ``expected.nq`` from the build (N-Triples
lines, sorted by graph and line); review the diff before committing it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset, Graph
from rdflib.compare import graph_diff, isomorphic

from converter.build import ONTOLOGY_FILE, build
from converter.contract import Manifest

GOLDEN = Path(__file__).resolve().parent
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "publication.toml").is_file())
EXPECTED = "expected.nq"
MAX_BYTES = 2_000_000  # a golden file stays small enough to review and to keep in git
SHOWN = 20  # triples shown per side of a difference


def _ontology(manifest: Manifest) -> str:
    return manifest.base_iri + "graph/ontology"


def _built(out: Path) -> dict[str, Graph]:
    """Every named graph of the build in ``out``, by IRI (read as the store loads them)."""
    return {
        entry.iri: Graph().parse(out / entry.path, format="nt")
        for entry in Manifest.read(out).graphs
    }


def _write_expected(out: Path, case: str) -> bytes:
    """``expected.nq`` for the build in ``out``: each graph's N-Triples lines with its name."""
    manifest = Manifest.read(out)
    lines = [
        f"# Golden case {case}: every named graph of its build but <{_ontology(manifest)}> "
        "(ontology/dx.ttl as it is).",
        "# Rewritten by: .venv/bin/python -m pytest tests/golden --update-golden",
    ]
    for entry in sorted(manifest.graphs, key=lambda e: e.iri):
        if entry.iri == _ontology(manifest):
            continue
        for line in sorted((out / entry.path).read_text("utf-8").splitlines()):
            assert line.endswith(" ."), line
            lines.append(f"{line[:-2]} <{entry.iri}> .")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _read_expected(path: Path) -> dict[str, Graph]:
    dataset = Dataset()
    dataset.parse(path, format="nquads")
    found: dict[str, Graph] = {}
    for graph in dataset.graphs():
        if len(graph):
            found[str(graph.identifier)] = Graph() + graph
    return found


def assert_isomorphic(name: str, expected: Graph, built: Graph) -> None:
    """Fail with the triples only one side has (sorted N-Triples, ``-`` expected, ``+``
    built) unless the two graphs are isomorphic."""
    if isomorphic(expected, built):
        return
    _, only_expected, only_built = graph_diff(expected, built)
    lines = [
        f"graph <{name}>: {len(only_expected)} triple(s) expected but not built, "
        f"{len(only_built)} built but not expected"
    ]
    for sign, graph in (("-", only_expected), ("+", only_built)):
        shown = sorted(graph.serialize(format="nt").splitlines())
        lines += [f"  {sign} {line}" for line in shown[:SHOWN]]
        if len(shown) > SHOWN:
            lines.append(f"  {sign} … {len(shown) - SHOWN} more")
    pytest.fail("\n".join(lines), pytrace=False)


@pytest.mark.parametrize("case", CASES)
def test_the_case_builds_its_expected_graphs(
    case: str, tmp_path: Path, update_golden: bool
) -> None:
    folder = GOLDEN / case
    out = tmp_path / "dist"
    build(folder / "publication.toml", out, allow_removals=True)
    if update_golden:
        (folder / EXPECTED).write_bytes(_write_expected(out, case))
    assert (folder / EXPECTED).is_file(), f"no {EXPECTED}: run pytest tests/golden --update-golden"
    expected, built = _read_expected(folder / EXPECTED), _built(out)
    ontology = _ontology(Manifest.read(out))
    assert_isomorphic(ontology, Graph().parse(ONTOLOGY_FILE, format="turtle"), built.pop(ontology))
    missing, extra = sorted(set(expected) - set(built)), sorted(set(built) - set(expected))
    assert not missing and not extra, f"graphs expected but not built: {missing}; built: {extra}"
    for name in sorted(expected):
        assert_isomorphic(name, expected[name], built[name])


@pytest.mark.parametrize("case", CASES)
def test_a_golden_file_stays_small(case: str) -> None:
    for path in sorted((GOLDEN / case).iterdir()):
        assert path.stat().st_size < MAX_BYTES, f"{path.name}: {path.stat().st_size} bytes"


def test_the_cases() -> None:
    assert CASES == ["fy2023", "fy2024", "mini"]


def test_a_difference_is_shown_triple_by_triple() -> None:
    """Control case: a changed value is reported as one triple out and one in."""
    base = "https://data.pref.fukushima.lg.jp/dx/"
    expected = Graph().parse(
        data=f'<{base}id/value/fy2023/kpi-3/actual-fy2023> <{base}ontology#notation> "64,169"@ja .',
        format="nt",
    )
    built = Graph().parse(
        data=f'<{base}id/value/fy2023/kpi-3/actual-fy2023> <{base}ontology#notation> "64169"@ja .',
        format="nt",
    )
    with pytest.raises(pytest.fail.Exception) as failed:
        assert_isomorphic(base + "graph/fy2023", expected, built)
    message = str(failed.value)
    assert "1 triple(s) expected but not built, 1 built but not expected" in message
    assert "  - <" in message and '"64,169"@ja' in message and '"64169"@ja' in message
    assert f"graph <{base}graph/fy2023>" in message
