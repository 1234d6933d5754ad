"""Every SHACL constraint has a negative test: the built graph, broken in exactly that one
way around one focus node, fails with that constraint's message (and did not before)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH, XSD
from rdflib.term import Node

from converter.validate import SHAPES_FILE, load_shapes, validate

SHAPES = load_shapes(SHAPES_FILE)
BOGUS = URIRef("https://example.invalid/bogus")
CONSTRAINTS = (
    SH.minCount,
    SH.maxCount,
    SH.datatype,
    SH["class"],
    SH["in"],
    SH.hasValue,
    SH.pattern,
    SH.languageIn,
    SH.uniqueLang,
    SH.minInclusive,
    SH.nodeKind,
    SH.minLength,
    SH.qualifiedMinCount,
)


TARGETS = (SH.targetClass, SH.targetObjectsOf, SH.targetSubjectsOf)


@dataclass(frozen=True)
class Case:
    shape: Node  # the targeted shape carrying the constraint and its message
    path: Node | None
    constraint: URIRef

    @property
    def id(self) -> str:
        return f"{str(self.shape).rsplit('#')[-1]}-{self.constraint.fragment}"


def cases() -> Iterator[Case]:
    targeted = {s for target in TARGETS for s in SHAPES.subjects(target, None)}
    for shape in sorted(targeted):
        path = SHAPES.value(shape, SH.path)
        for constraint in CONSTRAINTS if path is not None else (SH["or"], SH.xone):
            if (shape, constraint, None) in SHAPES:
                yield Case(shape, path, constraint)


CASES = list(cases())


def messages(shape: Node) -> set[str]:
    return {str(m) for m in SHAPES.objects(shape, SH.message)}


@pytest.fixture(scope="module")
def full(two_editions: Path) -> Graph:
    """Every graph but the ontology of the two-edition build (so that the series and the
    changes have focus nodes too)."""
    graph = Graph()
    for name in ("fy2023", "fy2024", "catalog", "series", "changes"):
        graph.parse(two_editions / "graphs" / f"{name}.nt", format="nt")
    return graph


def focus_nodes(full: Graph, case: Case) -> list[Node]:
    shape = case.shape
    nodes = {
        s for cls in SHAPES.objects(shape, SH.targetClass) for s in full.subjects(RDF.type, cls)
    }
    nodes |= {o for p in SHAPES.objects(shape, SH.targetObjectsOf) for o in full.objects(None, p)}
    nodes |= {s for p in SHAPES.objects(shape, SH.targetSubjectsOf) for s in full.subjects(p)}
    path = case.path
    if case.constraint == SH.minCount or path is None:
        return sorted(nodes)
    with_value = [n for n in sorted(nodes) if values(full, n, path)]
    return with_value or sorted(nodes)


def values(graph: Graph, node: Node, path: Node) -> list[Node]:
    inverse = graph_inverse(path)
    if inverse is not None:
        return list(graph.subjects(inverse, node))
    return list(graph.objects(node, path))


def graph_inverse(path: Node) -> Node | None:
    return SHAPES.value(path, SH.inversePath) if isinstance(path, BNode) else None


def neighbourhood(full: Graph, focus: Node) -> Graph:
    """The focus node's triples, its neighbours' triples and incoming links."""
    sub = Graph()
    for triple in full.triples((focus, None, None)):
        sub.add(triple)
        for t in full.triples((triple[2], None, None)):
            sub.add(t)
    for triple in full.triples((None, None, focus)):
        sub.add(triple)
        for t in full.triples((triple[0], RDF.type, None)):
            sub.add(t)
    return sub


def replace(graph: Graph, focus: Node, path: Node, value: Node) -> None:
    for old in list(graph.objects(focus, path)):
        graph.remove((focus, path, old))
    graph.add((focus, path, value))


def first(graph: Graph, focus: Node, path: Node) -> Node | None:
    return next(iter(sorted(graph.objects(focus, path))), None)


def mutate(graph: Graph, case: Case, focus: Node) -> None:
    """Break ``graph`` at ``focus`` in the one way ``case.constraint`` forbids."""
    shape, path, c = case.shape, case.path, case.constraint
    arg = SHAPES.value(shape, c)
    if c == SH["or"] or c == SH.xone:
        for branch in Collection(SHAPES, arg):  # type: ignore[arg-type]
            branch_path = SHAPES.value(branch, SH.path)
            if c == SH.xone:
                graph.add(
                    (
                        focus,
                        branch_path,
                        Literal("1.0", datatype=XSD.decimal)
                        if (focus, branch_path, None) not in graph
                        else BOGUS,
                    )
                )
            elif SHAPES.value(branch, SH.hasValue) is not None:
                graph.set((focus, branch_path, Literal(True)))
            elif graph_inverse(branch_path) is not None:
                graph.remove((None, graph_inverse(branch_path), focus))
            else:
                graph.remove((focus, branch_path, None))
        return
    assert path is not None
    inverse = graph_inverse(path)
    if c == SH.minCount or c == SH.qualifiedMinCount:
        if inverse is not None:
            graph.remove((None, inverse, focus))
        elif c == SH.qualifiedMinCount:
            for value in list(graph.objects(focus, path)):
                if isinstance(value, Literal) and value.language == "ja":
                    graph.remove((focus, path, value))
        else:
            graph.remove((focus, path, None))
        return
    current = first(graph, focus, path)
    if c == SH.maxCount:
        extra = (
            Literal(f"{current}-2", lang=current.language, datatype=current.datatype)
            if isinstance(current, Literal)
            else URIRef(f"{current}-2")
        )
        graph.add((focus, path, extra))
        if not isinstance(current, Literal):
            for t in graph.triples((current, None, None)):
                graph.add((extra, t[1], t[2]))
    elif c == SH.uniqueLang:
        language = current.language if isinstance(current, Literal) else "ja"
        graph.add((focus, path, Literal(f"{current} (2)", lang=language)))
    elif c == SH.datatype:
        wrong = Literal(f"{current}x", lang="ja") if arg == XSD.string else Literal(f"{current}x")
        replace(graph, focus, path, wrong)
    elif c == SH.languageIn:
        replace(graph, focus, path, Literal(str(current), lang="fr"))
    elif c == SH.minLength:
        replace(graph, focus, path, Literal("", lang="ja"))
    elif c == SH.minInclusive:
        replace(graph, focus, path, Literal(-1))
    elif c == SH.nodeKind:
        replace(graph, focus, path, Literal(str(current)))
    elif c == SH.pattern:
        replace(
            graph,
            focus,
            path,
            URIRef("https://example.invalid/x")
            if isinstance(current, URIRef)
            else Literal("x", lang="ja"),
        )
    else:  # class, in, hasValue: a value of the wrong kind
        replace(graph, focus, path, BOGUS)


def test_every_shape_has_both_languages() -> None:
    for case in CASES:
        languages = {m.language for m in SHAPES.objects(case.shape, SH.message)}  # type: ignore[union-attr]
        assert languages == {"ja", "en"}, case.id


def test_cases_cover_the_shapes() -> None:
    assert len(CASES) >= 100


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_constraint_fails_with_its_message(full: Graph, case: Case) -> None:
    nodes = focus_nodes(full, case)
    assert nodes, f"no focus node for {case.id}"
    expected = messages(case.shape)
    for focus in nodes[:3]:
        graph = neighbourhood(full, focus)
        before = {f.message_en for f in validate(graph, SHAPES).findings if f.focus == str(focus)}
        mutate(graph, case, focus)
        report = validate(graph, SHAPES)
        found = [
            f
            for f in report.findings
            if f.focus == str(focus) and {f.message_ja, f.message_en} <= expected
        ]
        if found and not (expected & before):
            severity = SHAPES.value(case.shape, SH.severity) or SH.Violation
            assert found[0].severity == str(severity).rsplit("#")[-1]
            return
    pytest.fail(f"{case.id}: no focus node fails with {sorted(expected)}")
