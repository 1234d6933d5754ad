"""What a build changes in the live publication, and the gate that keeps data from being lost.

A table can be valid and still wrong: cut short at a row boundary, or with a row deleted
by mistake. Before a build replaces ``dist/``, each edition graph it made is compared with
the one ``dist/`` publishes (found through its manifest), at the level of the published
resources: projects, KPIs, printed rows (listings) and KPI values. The summary says what is
added, removed and changed; a build that would remove any of them from an edition already
published is refused unless the staff say ``--allow-removals``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib.namespace import RDF

from converter.contract import Manifest, ManifestError, ManifestMissing
from converter.era import edition_label
from converter.errors import InputError
from converter.vocab import DX, SCHEMA

#: (kind, class, Japanese, English) of the resources the summary counts, in its order.
KINDS = (
    ("project", str(DX.Project), "事業", "projects"),
    ("kpi", str(DX.Kpi), "KPI", "KPIs"),
    ("listing", str(DX.Listing), "掲載行", "rows"),
    ("value", str(DX.KpiValue), "値", "values"),
)
_KIND_OF = {iri: kind for kind, iri, _, _ in KINDS}
_LABELS = (str(DX.notation), str(SCHEMA.name))
_RDF_TYPE, _DX = str(RDF.type), str(DX)  # once: rdflib's namespace lookups are slow
_VERBS = {"removed": "削除 / removed", "changed": "変更 / changed"}
DETAILS = 12  # lines of examples per edition


@dataclass(frozen=True)
class Resource:
    label: str  # the printed notation of a value, the name of a project or KPI
    facts: frozenset[tuple[str, str]]  # (predicate, object) as N-Triples, base removed
    # predicate → the text of its first Japanese or untagged literal, as published (what
    # converter.diff quotes); not compared: ``facts`` already holds every literal.
    texts: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def present(self) -> bool:
        """A value whose cell is empty publishes nothing; every other resource counts."""
        return bool(self.label) or (str(DX.notation), '""@ja') not in self.facts


Resources = dict[str, dict[str, Resource]]  # kind → IRI relative to the base → resource


@dataclass
class EditionChanges:
    """The changes of one edition (fiscal year) against the published one."""

    year: int
    state: str  # "new" (not published yet) | "dropped" (no longer built) | "updated"
    added: dict[str, list[str]] = field(default_factory=dict)
    removed: dict[str, list[str]] = field(default_factory=dict)
    changed: dict[str, list[str]] = field(default_factory=dict)
    details: list[str] = field(default_factory=list)

    @property
    def removals(self) -> int:
        return sum(len(keys) for keys in self.removed.values())

    def text(self) -> list[str]:
        name = f"{edition_label(self.year)} / FY{self.year}"
        state = {"new": "（新規 / new edition）", "dropped": "（公開終了 / no longer built）"}
        lines = [f"  {name}{state.get(self.state, '')}"]
        for kind, _, ja, en in KINDS:
            counts = [len(part.get(kind, [])) for part in (self.added, self.removed, self.changed)]
            lines.append(
                f"    {ja} / {en}: 追加 added {counts[0]}, 削除 removed {counts[1]}, "
                f"変更 changed {counts[2]}"
            )
        shown = self.details[:DETAILS]
        more = len(self.details) - len(shown)
        lines += [f"      {line}" for line in shown]
        if more:
            lines.append(f"      … ほか {more} 件 / and {more} more")
        return lines


@dataclass
class Changes:
    """A build against the publication it replaces (``first`` when there is none)."""

    editions: list[EditionChanges]
    first: bool = False

    def text(self) -> str:
        if self.first:
            return "変更の概要 / changes: 初回の公開です / first publication (no previous build)"
        head = "変更の概要（公開中のビルドとの比較） / changes against the published build:"
        return "\n".join([head, *(line for e in self.editions for line in e.text())])


class PublishedUnreadable(InputError):
    """``dist/`` holds a build whose manifest or graphs cannot be read (exit code 2)."""


class RemovalsRefused(InputError):
    """The build would remove published projects, KPIs, rows or values (exit code 2)."""

    def __init__(self, problem: str, *, file: str, changes: Changes) -> None:
        super().__init__(problem, file=file)
        self.changes = changes


def compare(out: Path, built: dict[int, bytes], base_iri: str) -> Changes:
    """Compare the edition graphs of a new build (N-Triples by fiscal year) with ``out``.

    :raises PublishedUnreadable: ``out`` holds a build whose manifest or graphs cannot be read.
    """
    try:
        manifest = Manifest.read(out)
    except ManifestMissing:
        return Changes([], first=True)
    except ManifestError as exc:
        raise _unreadable(out, exc) from exc
    published = _published_graphs(out, manifest)
    editions = []
    for year in sorted(set(published) | set(built)):
        try:
            old = resources(published.get(year, b""), manifest.base_iri)
        except SyntaxError as exc:
            raise _unreadable(out, exc) from exc
        new = resources(built.get(year, b""), base_iri)
        state = "new" if year not in published else "dropped" if year not in built else "updated"
        editions.append(_diff(year, state, old, new))
    return Changes(editions)


def refuse_removals(changes: Changes, tables: dict[int, str], config: str) -> None:
    """Refuse a build that removes anything from an edition already published.

    :raises RemovalsRefused: naming the edition(s), the counts and ``--allow-removals``.
    """
    losing = [e for e in changes.editions if e.removals]
    if not losing:
        return
    parts_ja, parts_en = [], []
    for edition in losing:
        counts = [(ja, en, len(edition.removed.get(kind, []))) for kind, _, ja, en in KINDS]
        parts_ja.append(
            f"{edition_label(edition.year)}（FY{edition.year}）から"
            + "・".join(f"{ja} {n}件" for ja, _, n in counts)
        )
        parts_en.append(
            ", ".join(f"{n} {en}" for _, en, n in counts) + f" from the FY{edition.year} edition"
        )
    raise RemovalsRefused(
        f"公開中の{'、'.join(parts_ja)}が削除されます。意図した削除なら "
        "--allow-removals を付けて再実行してください。公開中のビルドは変更していません / "
        f"the build would remove {'; '.join(parts_en)} already published; if that is "
        "intended, run the build again with --allow-removals. The published build is unchanged.",
        file=tables.get(losing[0].year, config),
        changes=changes,
    )


def _published_graphs(out: Path, manifest: Manifest) -> dict[int, bytes]:
    files = manifest.graph_files(out)
    graphs = {}
    for year in manifest.editions:
        path = files.get(f"{manifest.base_iri}graph/fy{year}")
        try:
            if path is None:
                raise FileNotFoundError(f"no graph of FY{year} in the manifest")
            graphs[year] = path.read_bytes()
        except OSError as exc:
            raise _unreadable(out, exc) from exc
    return graphs


def _unreadable(out: Path, exc: Exception) -> PublishedUnreadable:
    return PublishedUnreadable(
        f"公開中のビルドを読めないため、削除の有無を確かめられません（{exc}）。"
        "--allow-removals で置き換えられます / the published build cannot be read, so what "
        f"this build removes cannot be checked ({exc}); pass --allow-removals to replace it",
        file=str(out),
    )


def resources(ntriples: bytes, base: str) -> Resources:
    """The counted resources of an edition graph, by kind.

    :raises SyntaxError: the bytes are not N-Triples.
    """
    facts: dict[str, set[tuple[str, str]]] = {}
    kinds: dict[str, str] = {}
    texts: dict[str, dict[str, str]] = {}
    for triple in ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES):
        subject = _term(triple.subject, base).strip("<>")
        predicate, obj = triple.predicate.value, triple.object
        facts.setdefault(subject, set()).add((predicate, _term(obj, base)))
        if predicate == _RDF_TYPE and obj.value in _KIND_OF:
            kinds.setdefault(subject, _KIND_OF[obj.value])
        elif isinstance(obj, ox.Literal) and obj.language in (None, "ja"):
            texts.setdefault(subject, {}).setdefault(predicate, obj.value)
    resources: Resources = {kind: {} for kind, _, _, _ in KINDS}
    for subject, kind in kinds.items():
        own = texts.get(subject, {})
        label = next((own[p] for p in _LABELS if p in own), "")
        resources[kind][subject] = Resource(label, frozenset(facts[subject]), own)
    return resources


def _term(term: object, base: str) -> str:
    """A term as N-Triples, IRIs under the base relative (a new base is not a change)."""
    if isinstance(term, ox.NamedNode):
        iri = term.value
        if iri.startswith(base) and not iri.startswith(_DX):
            return f"<{iri[len(base) :]}>"
        return f"<{iri}>"
    if isinstance(term, ox.BlankNode):
        return "_:b"  # the writers make none; their labels would differ between builds
    return str(term)


def _diff(year: int, state: str, old: Resources, new: Resources) -> EditionChanges:
    changes = EditionChanges(year, state)
    parts = {"added": changes.added, "removed": changes.removed, "changed": changes.changed}
    details: dict[str, list[str]] = {"removed": [], "changed": []}
    for kind, _, ja, en in KINDS:
        for key, verb, line in kind_diff(old[kind], new[kind]):
            parts[verb].setdefault(kind, []).append(key)
            if verb in details:
                details[verb].append(f"{_VERBS[verb]} {ja} / {en} {key}{line}")
    changes.details = details["removed"] + details["changed"]  # what is lost comes first
    return changes


def kind_diff(old: dict[str, Resource], new: dict[str, Resource]) -> Iterator[tuple[str, str, str]]:
    """(key, "added" | "removed" | "changed", a readable line) of one kind of resource."""
    for key in sorted(set(old) | set(new), key=natural_key):
        before, after = old.get(key), new.get(key)
        had = before is not None and before.present
        has = after is not None and after.present
        if had and not has:
            assert before is not None
            yield key, "removed", _quoted(before.label)
        elif has and not had:
            yield key, "added", ""
        elif before is not None and after is not None and before.facts != after.facts:
            yield key, "changed", _quoted(before.label, after.label) or _what(before, after)


def _quoted(before: str, after: str | None = None) -> str:
    if after is None:
        return f": 「{before}」" if before else ""
    return f": 「{before}」→「{after}」" if before != after else ""


def _what(before: Resource, after: Resource) -> str:
    """The properties that differ, by local name (``: listing, kpi``)."""
    differ = {p for p, _ in before.facts ^ after.facts}
    names = sorted({p.rsplit("#", 1)[-1].rsplit("/", 1)[-1] for p in differ})
    return f" ({', '.join(names)})"


def natural_key(key: str) -> list[str | int]:
    """``…/project/fy2023/4`` before ``…/project/fy2023/39``."""
    return [int(part) if part.isdigit() else part for part in re.split(r"([0-9]+)", key)]
