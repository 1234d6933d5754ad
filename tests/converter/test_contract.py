"""The build manifest: one writer, one strict reader, and the real build read back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from converter.cli import exit_code_of
from converter.contract import (
    Manifest,
    ManifestError,
    ManifestMissing,
    Validation,
    file_entry,
    graph_entry,
)
from converter.errors import InputError


def _manifest(tmp_path: Path) -> Manifest:
    (tmp_path / "graphs").mkdir()
    (tmp_path / "download").mkdir()
    (tmp_path / "graphs" / "g.nt").write_text("<a:s> <a:p> <a:o> .\n")
    (tmp_path / "download" / "a.ttl").write_text("<a:s> <a:p> <a:o> .\n")
    manifest = Manifest(
        "https://example.org/dx/",
        (graph_entry(tmp_path, "https://example.org/dx/graph/g", "graphs/g.nt", 1),),
        (file_entry(tmp_path, "a.ttl", "text/turtle"),),
        Validation(True, 0, 2),
        triples=1,
        editions=(2023,),
        modified="2024-03-31",
        generator="test",
    )
    manifest.write(tmp_path)
    return manifest


def test_written_manifest_reads_back_equal(tmp_path: Path) -> None:
    manifest = _manifest(tmp_path)
    assert Manifest.read(tmp_path) == manifest
    assert manifest.file("a.ttl") is not None and manifest.file("b.ttl") is None
    assert manifest.graph_files(tmp_path) == {
        "https://example.org/dx/graph/g": tmp_path / "graphs" / "g.nt"
    }


def test_the_same_manifest_gives_the_same_bytes(tmp_path: Path) -> None:
    _manifest(tmp_path)
    first = (tmp_path / "manifest.json").read_bytes()
    Manifest.read(tmp_path).write(tmp_path)
    assert (tmp_path / "manifest.json").read_bytes() == first


def test_a_missing_manifest_says_the_build_did_not_finish(tmp_path: Path) -> None:
    with pytest.raises(ManifestMissing, match="the build did not finish") as caught:
        Manifest.read(tmp_path)
    assert isinstance(caught.value, InputError) and exit_code_of(caught.value) == 2
    assert str(tmp_path / "manifest.json") in str(caught.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("graphs"), '"graphs" is missing'),
        (lambda d: d.update(graphs=[]), "holds no data"),
        (lambda d: d["graphs"][0].pop("triples"), "gives no triple count for graphs/g.nt"),
        (lambda d: d["graphs"][0].update(iri="not an iri"), "not an absolute IRI"),
        (lambda d: d["files"][0].update(name="../x"), "not a plain file name"),
        (lambda d: d["files"][0].update(bytes="3"), "must be an integer"),
        (lambda d: d.update(base_iri="ftp://x/"), r"not an http\(s\) IRI"),
    ],
)
def test_a_broken_manifest_names_what_is_wrong(tmp_path: Path, change, message: str) -> None:  # type: ignore[no-untyped-def]
    _manifest(tmp_path)
    doc = json.loads((tmp_path / "manifest.json").read_text())
    change(doc)
    (tmp_path / "manifest.json").write_text(json.dumps(doc))
    with pytest.raises(ManifestError, match=message):
        Manifest.read(tmp_path)


@pytest.mark.parametrize("verdict", [None, {"conforms": "true"}, {"conforms": False}, True])
def test_only_conforms_true_marks_a_build_valid(tmp_path: Path, verdict: object) -> None:
    _manifest(tmp_path)
    doc = json.loads((tmp_path / "manifest.json").read_text())
    doc["validation"] = verdict
    (tmp_path / "manifest.json").write_text(json.dumps(doc))
    assert Manifest.read(tmp_path).validation.conforms is False


def test_the_real_build_lists_every_file_it_wrote(dist_dir: Path) -> None:
    manifest = Manifest.read(dist_dir)
    assert manifest.validation.conforms
    assert {f.name for f in manifest.files} == {p.name for p in (dist_dir / "download").iterdir()}
    assert {g.path for g in manifest.graphs} == {
        f"graphs/{p.name}" for p in (dist_dir / "graphs").iterdir()
    }
    # 4176 before issue 9: dx:BaselinePeriod's 3 triples now live in the ontology graph only,
    # and the prefecture's two sameAs links became one dct:spatial; 4172 before issue 11:
    # each of the 114 values now names its edition (dx:edition, prov:wasDerivedFrom);
    # issue 22: the triples of the dumps, which hold the series graph (24) too.
    assert manifest.triples == 4172 + 2 * 114 + 24
