"""The SHACL gate: pyshacl over rdflib's memory store, with a readable report."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

ROOT = Path(__file__).resolve().parents[1]
SHAPES_FILE = ROOT / "shapes" / "dx-shapes.ttl"


@dataclass(frozen=True)
class Finding:
    severity: str  # "Violation" | "Warning" | "Info"
    focus: str
    path: str
    message_ja: str
    message_en: str
    value: str
    shape: str

    def line(self) -> str:
        value = f" 値/value: {self.value}" if self.value else ""
        return (
            f"[{self.severity}] {self.focus}\n    path: {self.path or '-'}{value}\n"
            f"    {self.message_ja}\n    {self.message_en}"
        )


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity != "Violation"]

    @property
    def conforms(self) -> bool:
        return not self.violations

    def text(self) -> str:
        head = f"SHACL: {len(self.violations)} violation(s), {len(self.warnings)} warning(s)"
        return "\n".join([head, *(f.line() for f in self.findings)])


def load_shapes(path: Path = SHAPES_FILE) -> Graph:
    graph = Graph()
    graph.parse(path, format="turtle")
    return graph


def validate(data: Graph, shapes: Graph | None = None) -> Report:
    """Validate ``data``; warnings never block, violations do (see ``Report.conforms``).

    The gate runs on rdflib's memory store: with these core-only shapes it measured 1.5x
    faster than an Oxigraph-backed graph (``make bench`` prints both side by side).
    """
    _, results, _ = shacl_validate(
        data,
        shacl_graph=shapes if shapes is not None else load_shapes(),
        inference="none",
        allow_warnings=True,
        advanced=False,
    )
    report = Report()
    for result in results.subjects(RDF.type, SH.ValidationResult):
        report.findings.append(_finding(results, result))
    report.findings.sort(key=lambda f: (f.severity != "Violation", f.focus, f.path, f.message_en))
    return report


def _finding(results: Graph, result: Node) -> Finding:
    def one(predicate: URIRef) -> str:
        value = results.value(result, predicate)
        return "" if value is None else str(value)

    messages = {
        m.language: str(m)
        for m in results.objects(result, SH.resultMessage)
        if isinstance(m, Literal)
    }
    severity = one(SH.resultSeverity).rsplit("#", 1)[-1]
    message = next(iter(messages.values()), "")
    return Finding(
        severity=severity,
        focus=one(SH.focusNode),
        path=one(SH.resultPath),
        message_ja=messages.get("ja", message),
        message_en=messages.get("en", message),
        value=one(SH.value),
        shape=one(SH.sourceShape),
    )
