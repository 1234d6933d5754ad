"""The SHACL gate: pyshacl over rdflib's memory store, with a readable report.

A large graph is validated on every core: the shapes are split into groups of about equal
cost and each group runs in a forked process over the same graph (inherited, never copied
or pickled). Each shape's results depend only on the data, never on another shape's, so
the groups' findings together are exactly those of one run over all shapes.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.term import Node

from converter.errors import ConverterError
from converter.vocab import DXSH

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
    graph: str = ""  # the named graph that fails on its own (validate_each), else ""

    def line(self) -> str:
        value = f" 値/value: {self.value}" if self.value else ""
        graph = f" (graph {self.graph})" if self.graph else ""
        return (
            f"[{self.severity}] {self.focus}{graph}\n    path: {self.path or '-'}{value}\n"
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


def each_graph_shapes(shapes: Graph) -> list[URIRef]:
    """The shapes marked ``dxsh:eachGraph true``: they hold in every named graph by itself."""
    marked = shapes.subjects(DXSH.eachGraph, Literal(True))
    return sorted(s for s in marked if isinstance(s, URIRef))


def validate_each(graphs: Mapping[str, Graph], shapes: Graph | None = None) -> Report:
    """Run the :func:`each_graph_shapes` on each of ``graphs`` (name → graph) alone.

    The gate validates the union of the graphs, where a fact one graph leaves out can be
    stated by another; a client that reads one graph (``/catalog``, ``/graph/series``, a
    dump) sees only that graph. Each finding names its graph.
    """
    shapes = shapes if shapes is not None else load_shapes()
    marked: Group = list(each_graph_shapes(shapes))
    if not marked:
        return Report()
    findings = [
        replace(finding, graph=name)
        for name, graph in graphs.items()
        for finding in _findings(graph, shapes, marked)
    ]
    findings.sort(key=lambda f: (f.severity != "Violation", f.graph, f.focus, f.message_en))
    return Report(findings)


# Below this many triples a forked worker costs more than it saves (the real table, 4,400
# triples: 0.12 s in one process, 0.14 s on two; 36,000 triples: 0.96 s, 0.63 s).
PARALLEL_FROM = 20_000

# A shape with one of these runs its nested shapes once per focus node: about 15 times the
# cost of a plain constraint per node (measured shape by shape on the 10× table).
_PER_NODE = (SH["or"], SH.xone, SH["and"], SH["not"], SH.node, SH.qualifiedValueShape)
_PER_NODE_COST = 15
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)

# Shapes to run together (named as pyshacl's use_shapes takes them); None: every shape.
Group = list[str | URIRef] | None

# The graph and shapes forked workers validate: set only while a pool runs.
_shared: tuple[Graph, Graph] | None = None


def validate(data: Graph, shapes: Graph | None = None, *, workers: int | None = None) -> Report:
    """Validate ``data``; warnings never block, violations do (see ``Report.conforms``).

    ``workers``: processes to use (default: one per available core from
    :data:`PARALLEL_FROM` triples on, else one).

    The gate runs on rdflib's memory store: with these core-only shapes it measured 1.5x
    faster than an Oxigraph-backed graph (``make bench`` prints both side by side).

    :raises ConverterError: a worker process died (killed for memory, for instance).
    """
    shapes = shapes if shapes is not None else load_shapes()
    groups = shape_groups(data, shapes, _workers(workers, len(data)))
    if len(groups) > 1:
        findings = _in_parallel(data, shapes, groups)
    else:
        findings = _findings(data, shapes, None)
    findings.sort(key=lambda f: (f.severity != "Violation", f.focus, f.path, f.message_en))
    return Report(findings)


def _workers(asked: int | None, triples: int) -> int:
    if asked is not None:
        return max(1, asked)
    if triples < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return len(os.sched_getaffinity(0))


def shape_groups(data: Graph, shapes: Graph, count: int) -> list[Group]:
    """The targeted shapes in at most ``count`` groups of about equal cost on ``data``
    (longest first, each to the cheapest group); ``[None]`` means all shapes in one run.

    A shape with a target is run by pyshacl on its own (nested shapes are reached from it);
    a blank-node one cannot be named to pyshacl, so then every shape runs in one group.
    """
    targeted = {s for p in _TARGETS for s in shapes.subjects(p, None)}
    for kind in (RDFS.Class, OWL.Class):  # implicit class targets
        targeted.update(s for s in shapes.subjects(RDF.type, kind) if _is_shape(shapes, s))
    if count < 2 or len(targeted) < 2 or any(isinstance(s, BNode) for s in targeted):
        return [None]
    counted: dict[tuple[Node, Node], int] = {}
    costs = sorted(((_cost(data, shapes, s, counted), str(s)) for s in targeted), reverse=True)
    totals = [0] * min(count, len(costs))
    members: list[list[str | URIRef]] = [[] for _ in totals]
    for cost, shape in costs:
        cheapest = totals.index(min(totals))
        totals[cheapest] += cost
        members[cheapest].append(URIRef(shape))
    return [group for group in members]


def _is_shape(shapes: Graph, node: Node) -> bool:
    return any((node, RDF.type, kind) in shapes for kind in (SH.NodeShape, SH.PropertyShape))


def _cost(data: Graph, shapes: Graph, shape: Node, counted: dict[tuple[Node, Node], int]) -> int:
    """Focus nodes the shape selects on ``data``, times its cost per node (an estimate:
    subclasses and overlapping targets are not counted). ``counted``: instances and uses
    counted so far (many shapes share a target)."""

    def count(key: tuple[Node, Node], triples: Iterable[object]) -> int:
        if key not in counted:
            counted[key] = sum(1 for _ in triples)
        return counted[key]

    nodes = len(list(shapes.objects(shape, SH.targetNode)))
    classes = list(shapes.objects(shape, SH.targetClass))
    if (shape, RDF.type, RDFS.Class) in shapes or (shape, RDF.type, OWL.Class) in shapes:
        classes.append(shape)
    for cls in classes:
        nodes += count((RDF.type, cls), data.subjects(RDF.type, cls))
    for predicate in (SH.targetSubjectsOf, SH.targetObjectsOf):
        for p in shapes.objects(shape, predicate):
            nodes += count((predicate, p), data.triples((None, p, None)))
    per_node = _PER_NODE_COST if any((shape, p, None) in shapes for p in _PER_NODE) else 1
    return nodes * per_node + 1


def _in_parallel(data: Graph, shapes: Graph, groups: Sequence[Group]) -> list[Finding]:
    """The first group here, the others in forked processes at the same time."""
    global _shared
    _shared = (data, shapes)
    fork = multiprocessing.get_context("fork")
    try:
        with ProcessPoolExecutor(len(groups) - 1, mp_context=fork) as pool:
            pending = [pool.submit(_shared_findings, group) for group in groups[1:]]
            findings = _findings(data, shapes, groups[0])
            for future in pending:
                findings.extend(future.result())
    except BrokenProcessPool as exc:
        raise ConverterError(
            "SHACL検証のプロセスが途中で終了しました（メモリ不足？）。何も公開していません。"
            "1コアで（taskset -c 0 python -m converter build …）またはメモリの多い機械で"
            "実行してください。 / SHACL: a validation worker process died (out of memory?); "
            "nothing was published. Run on one core (taskset -c 0 python -m converter "
            "build …) or on a machine with more memory."
        ) from exc
    finally:
        _shared = None
    return findings


def _shared_findings(group: Group) -> list[Finding]:
    assert _shared is not None, "runs only in a worker forked by _in_parallel"
    return _findings(*_shared, group)


def _findings(data: Graph, shapes: Graph, group: Group) -> list[Finding]:
    _, results, _ = shacl_validate(
        data,
        shacl_graph=shapes,
        inference="none",
        allow_warnings=True,
        advanced=False,
        use_shapes=group,
    )
    return [_finding(results, r) for r in results.subjects(RDF.type, SH.ValidationResult)]


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
