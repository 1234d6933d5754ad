"""A small stand-in for a real build: ``manifest.json`` + ``graphs/*.nt`` (build.py's shape).

It covers the term kinds whose round trip through a remote store could go wrong: typed
literals (integer, decimal, boolean, date), language tags, plain ``xsd:string`` literals,
non-ASCII text, escapes and blank nodes.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

B = "https://data.pref.fukushima.lg.jp/dx/"
DX = B + "ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
NAME = "http://schema.org/name"


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


def write_dist(
    dist: Path,
    *,
    years: tuple[int, ...] = (2023,),
    value: str = "100.0",
    validation: object = ...,
    miscount: int = 0,
) -> Path:
    """Write a fake build into ``dist``; ``validation=None`` leaves the field out."""
    graphs = {f"{B}graph/fy{y}": (f"graphs/fy{y}.nt", edition_triples(y, value)) for y in years}
    graphs[f"{B}graph/catalog"] = ("graphs/catalog.nt", CATALOG)
    graphs[f"{B}graph/ontology"] = ("graphs/ontology.nt", ONTOLOGY)
    (dist / "graphs").mkdir(parents=True, exist_ok=True)
    files, counts = [], {}
    for iri, (rel, lines) in graphs.items():
        data = ("\n".join(lines) + "\n").encode()
        (dist / rel).write_bytes(data)
        wrong = miscount if rel.startswith("graphs/fy") else 0  # after catalog is staged
        counts[iri] = len(lines) + wrong
        files.append({"path": rel, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()})
    manifest: dict[str, object] = {
        "graphs": {iri: rel for iri, (rel, _) in graphs.items()},
        "graph_triples": counts,
        "files": files,
    }
    if validation is ...:
        manifest["validation"] = {"conforms": True}
    elif validation is not None:
        manifest["validation"] = validation
    (dist / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    return dist
