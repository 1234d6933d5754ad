"""A dist/ laid out like ``make build`` writes it, from the hand-written mini graph.

Used only while the converter cannot build the real table yet (see conftest.py).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from rdflib import Dataset, Graph, URIRef

HERE = Path(__file__).resolve().parent
MINI = HERE / "data" / "mini.trig"
ROOT = HERE.parents[1]
BASE = "https://data.pref.fukushima.lg.jp/dx/"

MEDIA = {
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "nt": "application/n-triples",
    "rdf": "application/rdf+xml",
    "csv": "text/csv",
    "json": "application/csvm+json",
    "html": "text/html",
}


def _entry(out: Path, name: str) -> dict[str, object]:
    path = out / "download" / name
    ext = name.rsplit(".", 1)[1]
    media = "application/ld+json" if name == "context.jsonld" else MEDIA[ext]
    return {
        "name": name,
        "path": f"download/{name}",
        "media_type": media,
        "bytes": path.stat().st_size,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }


def write_fake_dist(out: Path, extra_trig: str = "") -> Path:
    """Write graphs/, download/ and manifest.json for the mini graph into ``out``."""
    data = Dataset()
    data.parse(MINI, format="trig")
    if extra_trig:
        data.parse(data=extra_trig, format="trig")
    (out / "graphs").mkdir(parents=True, exist_ok=True)
    (out / "download").mkdir(parents=True, exist_ok=True)
    graphs: dict[str, str] = {}
    union = Graph()
    for graph in data.graphs():
        if not len(graph):
            continue
        name = str(graph.identifier).rsplit("/", 1)[1]
        graph.serialize(out / "graphs" / f"{name}.nt", format="nt", encoding="utf-8")
        graphs[str(graph.identifier)] = f"graphs/{name}.nt"
        if name != "catalog":
            union += graph
        if name == "ontology":
            graph.serialize(out / "download" / "ontology.ttl", format="turtle")
        if name == "catalog":
            graph.serialize(out / "download" / "catalog.ttl", format="turtle")
    graph_files = {
        rel: {
            "triples": len(data.graph(URIRef(iri))),
            "sha256": hashlib.sha256((out / rel).read_bytes()).hexdigest(),
        }
        for iri, rel in graphs.items()
    }
    for ext, fmt in (("ttl", "turtle"), ("jsonld", "json-ld"), ("nt", "nt"), ("rdf", "xml")):
        union.serialize(out / "download" / f"dx-kpi.{ext}", format=fmt, encoding="utf-8")
    csv = ROOT / "data" / "dx-kpi-fy2023.csv"
    if csv.exists():
        shutil.copy(csv, out / "download" / "dx-kpi-fy2023.csv")
    else:
        (out / "download" / "dx-kpi-fy2023.csv").write_text("事業No\n1\n", encoding="utf-8")
    (out / "download" / "dx-kpi-fy2023.csv-metadata.json").write_text(
        json.dumps({"@context": "http://www.w3.org/ns/csvw", "url": "dx-kpi-fy2023.csv"}),
        encoding="utf-8",
    )
    (out / "download" / "context.jsonld").write_text(
        json.dumps({"@context": {"dx": BASE + "ontology#"}}), encoding="utf-8"
    )
    (out / "download" / "shapes.ttl").write_text("# shapes\n", encoding="utf-8")
    (out / "download" / "ontology.html").write_text(
        "<!doctype html><html lang=ja><title>語彙</title><h1>福島県 行政DX 語彙</h1></html>",
        encoding="utf-8",
    )
    names = sorted(p.name for p in (out / "download").iterdir())
    manifest = {
        "base_iri": BASE,
        "graphs": graphs,
        "files": [_entry(out, name) for name in names]
        + [{"path": rel, **info} for rel, info in graph_files.items()],
        "triples": len(union),
    }
    (out / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return out
