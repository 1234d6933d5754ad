"""Small builds for tests, written with the converter's own manifest writer.

The one fake-build writer of the suite: a build made here has exactly the shape
``make build`` gives (``converter.contract.Manifest``), so no reader can grow a tolerance
for a shape the converter never writes.

- :func:`write_dist`: a few N-Triples per edition that cover the term kinds whose round trip
  through a remote store could go wrong (typed literals, language tags, plain strings,
  non-ASCII text, escapes, blank nodes); for the publish and remote-store tests.
- :func:`write_page_dist`: the hand-written mini graph (``tests/support/data/mini.trig``)
  plus any extra TriG, with the downloads the pages list; for the page-safety tests.
"""

from __future__ import annotations

import json
from pathlib import Path

from rdflib import Dataset

from converter.contract import DEFAULT_BASE_IRI, Manifest, Validation, file_entry, graph_entry
from converter.formats import N_TRIPLES, for_file

B = DEFAULT_BASE_IRI
DX = B + "ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
NAME = "http://schema.org/name"
ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "support" / "data" / "mini.trig"


def write_build(
    out: Path,
    graphs: dict[str, bytes],
    downloads: dict[str, bytes] | None = None,
    *,
    miscount: dict[str, int] | None = None,
) -> Path:
    """Write ``{graph IRI: N-Triples}`` and ``{file name: bytes}`` as a valid build.

    ``miscount`` adds to the triple count the manifest states for a graph (a broken build).
    """
    (out / "graphs").mkdir(parents=True, exist_ok=True)
    (out / "download").mkdir(parents=True, exist_ok=True)
    entries = []
    for iri, body in sorted(graphs.items()):
        rel = f"graphs/{iri.rstrip('/').rsplit('/', 1)[-1]}.nt"
        (out / rel).write_bytes(body)
        triples = len([line for line in body.decode().splitlines() if line.strip()])
        triples += (miscount or {}).get(iri, 0)
        entries.append(graph_entry(out, iri, rel, triples))
    for name, body in sorted((downloads or {}).items()):
        (out / "download" / name).write_bytes(body)
    files = [file_entry(out, name, for_file(name).media_type) for name in sorted(downloads or {})]
    total = sum(e.triples for e in entries)
    Manifest(B, tuple(entries), tuple(files), Validation(True), triples=total).write(out)
    return out


def patch_manifest(out: Path, **fields: object) -> Path:
    """Overwrite (or, with ``None``, delete) top-level manifest fields: a hand-broken build."""
    path = out / "manifest.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    for key, value in fields.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return out


def edition_triples(year: int, value: str = "100.0") -> list[str]:
    kpi, cell = f"<{B}id/kpi/2>", f"<{B}id/value/fy{year}/kpi-2/target-fy2025>"
    project = f"<{B}id/project/fy{year}/8>"
    return [
        f"{kpi} <{RDF_TYPE}> <{DX}Kpi> .",
        f'{kpi} <{NAME}> "行政手続のオンライン化率"@ja .',
        f'{kpi} <{LABEL}> "Online procedures"@en .',
        f'{kpi} <{DX}kpiNumber> "2"^^<{XSD}integer> .',
        f"{cell} <{RDF_TYPE}> <{DX}KpiValue> .",
        f"{cell} <{DX}refKpi> {kpi} .",
        f'{cell} <{DX}value> "{value}"^^<{XSD}decimal> .',
        f'{cell} <{DX}notation> "{value}%" .',
        f'{cell} <{DX}note> "line one\\nline \\"two\\""^^<{XSD}string> .',
        f"{cell} <{DX}source> _:src{year} .",
        f'_:src{year} <{LABEL}> "令和{year - 2018}年度 報告書"@ja .',
        f"{project} <{RDF_TYPE}> <{DX}Project> .",
        f'{project} <{NAME}> "電子申請の拡充"@ja .',
        f'{project} <{DX}isRelisting> "false"^^<{XSD}boolean> .',
        f'{project} <{DX}published> "2024-03-31"^^<{XSD}date> .',
    ]


CATALOG = [
    f"<{B}catalog> <{RDF_TYPE}> <http://www.w3.org/ns/dcat#Catalog> .",
    f'<{B}catalog> <http://purl.org/dc/terms/title> "福島県 行政DX KPI"@ja .',
]
ONTOLOGY = [
    f"<{DX}Kpi> <{RDF_TYPE}> <http://www.w3.org/2002/07/owl#Class> .",
    f'<{DX}Kpi> <{LABEL}> "指標"@ja .',
]


def _nt(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def write_dist(
    dist: Path,
    *,
    years: tuple[int, ...] = (2023,),
    value: str = "100.0",
    validation: object = ...,
    miscount: int = 0,
) -> Path:
    """A build of one small edition per year; ``validation`` overwrites the manifest's verdict
    (``None`` deletes it), ``miscount`` breaks the editions' stated triple counts."""
    graphs = {f"{B}graph/fy{y}": _nt(edition_triples(y, value)) for y in years}
    graphs.update({f"{B}graph/catalog": _nt(CATALOG), f"{B}graph/ontology": _nt(ONTOLOGY)})
    wrong = {iri: miscount for iri in graphs if "/graph/fy" in iri}
    write_build(dist, graphs, miscount=wrong)
    return dist if validation is ... else patch_manifest(dist, validation=validation)


def write_page_dist(out: Path, extra_trig: str = "") -> Path:
    """The mini graph (plus ``extra_trig``) as a build with the files the pages list."""
    data = Dataset()
    data.parse(MINI, format="trig")
    if extra_trig:
        data.parse(data=extra_trig, format="trig")
    graphs = {
        str(g.identifier): N_TRIPLES.serialize(g, base_iri=B) for g in data.graphs() if len(g)
    }
    csv = ROOT / "data" / "dx-kpi-fy2023.csv"
    downloads = {
        "dx-kpi-fy2023.csv": csv.read_bytes(),
        "dx-kpi-fy2023.csv-metadata.json": json.dumps(
            {"@context": "http://www.w3.org/ns/csvw", "url": "dx-kpi-fy2023.csv"}
        ).encode(),
        "ontology.html": "<!doctype html><html lang=ja><title>語彙</title><h1>語彙</h1></html>".encode(),
    }
    return write_build(out, graphs, downloads)
