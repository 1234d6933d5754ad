"""What changed from one edition to the next, as RDF (``B graph/changes``, docs/editions.md).

The comparison is the removals gate's (:mod:`converter.changes`): each edition graph's
resources by kind, matched key by key with :func:`~converter.changes.kind_diff`. Here the
keys leave out the edition (``project/fy2023/8`` and ``project/fy2024/8`` are both ``8``)
and each view keeps only the one printed fact a reader follows (a project's name, a
target's notation, an actual's evaluation), so a change is what a reader of both reports
would notice. Projects are matched by their number (事業No).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from converter.changes import Resource, kind_diff, resources
from converter.era import edition_label, year_label
from converter.iris import Iris
from converter.vocab import DX, SCHEMA

_PROJECT = re.compile(r"id/project/fy[0-9]+/([0-9]+)")
_VALUE = re.compile(r"id/value/fy[0-9]+/kpi-([0-9]+)/(target|actual)-fy([0-9]+)")
_NAME, _NOTATION = str(SCHEMA.name), str(DX.notation)
_EVALUATION, _EVALUATION_TEXT = str(DX.evaluation), str(DX.evaluationNotation)
_NO_VALUE = (str(DX.valueStatus), f"<{DX.NoValue}>")
EVALUATION_EN = {
    f"<{DX.Achieved}>": "achieved",
    f"<{DX.PartiallyAchieved}>": "partially achieved",
    f"<{DX.NotAchieved}>": "not achieved",
}


@dataclass(frozen=True)
class Version:
    iri: str  # relative to the base, as converter.changes keys it
    resource: Resource


View = dict[str, Version]  # key without the edition → the resource in one edition


@dataclass(frozen=True)
class Change:
    kind: URIRef  # dx:ProjectAdded … (CHANGE_TYPES)
    before: Version | None
    after: Version | None
    number: int  # the project's or the KPI's number
    period: int | None  # the value's fiscal year (KPI changes)

    def old(self) -> str:
        return self.before.resource.label if self.before else ""

    def new(self) -> str:
        return self.after.resource.label if self.after else ""


def changes_graph(iris: Iris, editions: dict[int, bytes]) -> Graph:
    """The changes between each pair of consecutive editions (N-Triples by fiscal year).

    Empty with a single edition: there is nothing to compare it with.
    """
    graph = Graph()
    years = sorted(editions)
    parsed = {year: resources(editions[year], iris.base) for year in years}
    for earlier, later in zip(years, years[1:], strict=False):
        for number, change in enumerate(edition_changes(parsed[earlier], parsed[later]), 1):
            _describe(graph, iris, earlier, later, number, change)
    return graph


def edition_changes(
    old: dict[str, dict[str, Resource]], new: dict[str, dict[str, Resource]]
) -> Iterator[Change]:
    """The changes from edition ``old`` to ``new`` (``converter.changes.resources``), in
    the order of CHANGE_TYPES, then by number and period."""
    for kind_of_resource, view, verbs in _COMPARISONS:
        before, after = view(old[kind_of_resource]), view(new[kind_of_resource])
        bare = {k: v.resource for k, v in before.items()}
        found = [
            (verb, key)
            for key, verb, _ in kind_diff(bare, {k: v.resource for k, v in after.items()})
            if verb in verbs
        ]
        found.sort(key=lambda item: list(verbs).index(item[0]))  # stable: keys stay in order
        for verb, key in found:
            number, period = _numbers(key)
            yield Change(verbs[verb], before.get(key), after.get(key), number, period)


def _view(
    pattern: re.Pattern[str],
    compared: str,
    label: str,
    key: Callable[[re.Match[str]], str],
    keep: Callable[[Resource, re.Match[str]], bool] = lambda resource, match: True,
) -> Callable[[dict[str, Resource]], View]:
    """A view of one kind of resource: matched IRIs, keyed without the edition, reduced to
    the facts of ``compared`` and labelled with the text of ``label``."""

    def view(found: dict[str, Resource]) -> View:
        out = {}
        for iri, resource in found.items():
            match = pattern.fullmatch(iri)
            if match and keep(resource, match):
                facts = frozenset(f for f in resource.facts if f[0] == compared)
                text = resource.texts.get(label, "")
                out[key(match)] = Version(iri, Resource(text, facts, resource.texts))
        return out

    return view


def _is(kind: str) -> Callable[[Resource, re.Match[str]], bool]:
    return lambda resource, match: match[2] == kind and _NO_VALUE not in resource.facts


def _evaluated(resource: Resource, match: re.Match[str]) -> bool:
    return match[2] == "actual" and any(p == _EVALUATION for p, _ in resource.facts)


#: (kind of resource, view, {verb of kind_diff: change type}), in the order of the changes.
_COMPARISONS: tuple[tuple[str, Callable[[dict[str, Resource]], View], dict[str, URIRef]], ...] = (
    (
        "project",
        _view(_PROJECT, _NAME, _NAME, lambda m: m[1]),
        {"added": DX.ProjectAdded, "removed": DX.ProjectRemoved, "changed": DX.ProjectRenamed},
    ),
    (
        "value",
        _view(_VALUE, _NOTATION, _NOTATION, lambda m: f"kpi-{m[1]}/fy{m[3]}", _is("target")),
        {"changed": DX.TargetRevised},
    ),
    (
        "value",
        _view(_VALUE, _EVALUATION, _EVALUATION_TEXT, lambda m: f"kpi-{m[1]}", _evaluated),
        {"changed": DX.EvaluationChanged},
    ),
    (
        "value",
        _view(_VALUE, _NOTATION, _NOTATION, lambda m: f"kpi-{m[1]}/fy{m[3]}", _is("actual")),
        {"added": DX.ActualAdded},
    ),
)


def _numbers(key: str) -> tuple[int, int | None]:
    """(project or KPI number, fiscal year or None) of a view's key."""
    digits = [int(part) for part in re.findall(r"[0-9]+", key)]
    return digits[0], (digits[1] if len(digits) > 1 else None)


def _describe(graph: Graph, iris: Iris, earlier: int, later: int, n: int, change: Change) -> None:
    s = iris.change(later, n)
    graph.add((s, RDF.type, DX.Change))
    graph.add((s, DX.changeType, change.kind))
    graph.add((s, DX.changeNumber, Literal(n, datatype=XSD.integer)))
    graph.add((s, DX.fromEdition, iris.report(earlier)))
    graph.add((s, DX.toEdition, iris.report(later)))
    for prop, version in ((DX.previousVersion, change.before), (DX.currentVersion, change.after)):
        if version is not None:
            graph.add((s, prop, URIRef(iris.base + version.iri)))
    if change.kind not in _PROJECT_CHANGES:
        graph.add((s, DX.subject, iris.kpi(change.number)))
    for prop, text in ((DX.previousValue, change.old()), (DX.newValue, change.new())):
        if text:
            graph.add((s, prop, Literal(text, lang="ja")))
    ja, en = sentence(change, later)
    graph.add((s, RDFS.label, Literal(ja, lang="ja")))
    graph.add((s, RDFS.label, Literal(en, lang="en")))


_PROJECT_CHANGES = (DX.ProjectAdded, DX.ProjectRemoved, DX.ProjectRenamed)


def sentence(change: Change, later: int) -> tuple[str, str]:
    """The change said in Japanese (quoting the printed text) and in English (not quoting
    it: an English label is English text)."""
    n, old, new = change.number, change.old(), change.new()
    edition_ja, edition_en = edition_label(later), f"in the {edition_label(later, 'en')}"
    year = change.period or later
    period_ja = year_label(year)
    if change.kind == DX.ProjectAdded:
        return f"{edition_ja}で事業{n}「{new}」を追加", f"Project {n} added {edition_en}"
    if change.kind == DX.ProjectRemoved:
        return f"{edition_ja}で事業{n}「{old}」を削除", f"Project {n} removed {edition_en}"
    if change.kind == DX.ProjectRenamed:
        return f"事業{n}の名称を変更：「{old}」→「{new}」", f"Project {n} renamed {edition_en}"
    if change.kind == DX.TargetRevised:
        return (
            f"KPI{n} {period_ja}目標値を改定：{old} → {new}",
            f"KPI {n} FY{year} target revised {edition_en}",
        )
    if change.kind == DX.EvaluationChanged:
        words = [_evaluation_en(v) for v in (change.before, change.after)]
        return (
            f"KPI{n} 評価の変更：{old} → {new}",
            f"KPI {n} evaluation changed from {words[0]} to {words[1]} {edition_en}",
        )
    return f"KPI{n} {period_ja}実績値：{new}", f"KPI {n} FY{year} actual added {edition_en}"


def _evaluation_en(version: Version | None) -> str:
    facts = version.resource.facts if version else frozenset()
    return next((EVALUATION_EN.get(o, "another evaluation") for _, o in facts), "none")
