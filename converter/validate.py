"""The SHACL gate: pyshacl over an Oxigraph-backed graph, with a readable report."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

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
        return (f"[{self.severity}] {self.focus}\n    path: {self.path or '-'}{value}\n"
                f"    {self.message_ja}\n    {self.message_en}")


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
        head = (f"SHACL: {len(self.violations)} violation(s), {len(self.warnings)} warning(s)")
        return "\n".join([head, *(f.line() for f in self.findings)])


def load_shapes(path: Path = SHAPES_FILE) -> Graph:
    graph = Graph()
    graph.parse(path, format="turtle")
    return graph


class _OxigraphGraph(Graph):
    """An Oxigraph-backed graph that counts itself once.

    pyshacl evaluates ``datagraph or shapes`` for every (even discarded) result, i.e.
    ``len(datagraph)``, and Oxigraph counts by scanning; the graph does not change while
    it is validated, so the count is cached.
    """

    def __init__(self) -> None:
        super().__init__(store="Oxigraph")
        self._size: int | None = None

    def __len__(self) -> int:
        if self._size is None:
            self._size = super().__len__()
        return self._size


def validate(data: Graph, shapes: Graph | None = None) -> Report:
    """Validate ``data``; warnings never block, violations do (see ``Report.conforms``)."""
    # pyshacl runs several times faster on Oxigraph's indexes than on rdflib's memory store
    # for large graphs (measured by `make bench`).
    fast = _OxigraphGraph()
    fast += data
    fast._size = None
    _, results, _ = shacl_validate(fast, shacl_graph=shapes if shapes is not None
                                   else load_shapes(), inference="none", allow_warnings=True,
                                   advanced=False)
    report = Report()
    for result in results.subjects(RDF.type, SH.ValidationResult):
        report.findings.append(_finding(results, result))
    report.findings.sort(key=lambda f: (f.severity != "Violation", f.focus, f.path,
                                        f.message_en))
    return report


def _finding(results: Graph, result: object) -> Finding:
    def one(predicate: URIRef) -> str:
        value = results.value(result, predicate)  # type: ignore[arg-type]
        return "" if value is None else str(value)

    messages = {m.language: str(m) for m in results.objects(result, SH.resultMessage)  # type: ignore[arg-type]
                if isinstance(m, Literal)}
    severity = one(SH.resultSeverity).rsplit("#", 1)[-1]
    message = next(iter(messages.values()), "")
    return Finding(severity=severity, focus=one(SH.focusNode), path=one(SH.resultPath),
                   message_ja=messages.get("ja", message), message_en=messages.get("en", message),
                   value=one(SH.value), shape=one(SH.sourceShape))
