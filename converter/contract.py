"""What the converter promises the server: the build manifest, the register IRIs, the base IRI.

A build (``dist/``) is described by ``manifest.json``. :meth:`Manifest.write` is its only
writer (``converter.build``) and :meth:`Manifest.read` its only reader (the server, the
publisher, the tests' fake builds), so both sides agree on one shape::

    {"base_iri": …, "generator": …, "modified": "2024-03-31", "editions": [2023],
     "triples": 4424,    # in the data dumps download/dx-kpi.*, as the catalog's void:triples
     "graphs": [{"iri": …, "path": "graphs/fy2023.nt", "triples": …, "sha256": …}, …],
     "files":  [{"name": "dx-kpi.ttl", "path": "download/dx-kpi.ttl",
                 "media_type": "text/turtle", "bytes": …, "sha256": …}, …],
     "validation": {"conforms": true, "violations": 0, "warnings": 0}}
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from converter.errors import InputError

#: The canonical base of the data when neither the build nor the settings name one.
DEFAULT_BASE_IRI = "https://data.pref.fukushima.lg.jp/dx/"
MANIFEST_NAME = "manifest.json"

#: Graphs and terms of the publication machinery; readers never see graphs named under it.
CONTROL_PREFIX = "urn:x-dx-lod:"
#: Staging graphs are named under this prefix; leftovers of interrupted runs are dropped.
STAGING_PREFIX = CONTROL_PREFIX + "publish-staging:"
#: The publication register: which graphs are live, rewritten by every switch.
REGISTER_GRAPH = CONTROL_PREFIX + "publication"
#: The class of a live graph in the register (``<graph IRI> a <…PublishedGraph>``).
PUBLISHED_GRAPH = CONTROL_PREFIX + "PublishedGraph"
#: The register's statement of the live build: ``<register> <…buildDigest> "…"``
#: (:attr:`Manifest.data_digest`), so that a reader can tell that the data changed.
BUILD_DIGEST = CONTROL_PREFIX + "buildDigest"

#: An absolute IRI that can stand between ``<`` and ``>`` in Turtle or SPARQL as it is.
IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$")


class ManifestError(InputError):
    """``manifest.json`` is missing or does not have the shape :meth:`Manifest.write` gives."""


class ManifestMissing(ManifestError):
    """There is no ``manifest.json``: the folder is not a finished build."""


@dataclass(frozen=True)
class GraphEntry:
    """One named graph of a build, as N-Triples under ``graphs/``."""

    iri: str
    path: str  #: relative to the build folder
    triples: int
    sha256: str


@dataclass(frozen=True)
class FileEntry:
    """One published file under ``download/``."""

    name: str
    media_type: str
    bytes: int
    sha256: str

    @property
    def path(self) -> str:
        """The file's path relative to the build folder."""
        return f"download/{self.name}"


@dataclass(frozen=True)
class Validation:
    """The SHACL gate's verdict on the build."""

    conforms: bool
    violations: int = 0
    warnings: int = 0


@dataclass(frozen=True)
class Manifest:
    """The description of one build; see the module docstring for its JSON shape."""

    base_iri: str
    graphs: tuple[GraphEntry, ...]
    files: tuple[FileEntry, ...]
    validation: Validation
    triples: int = 0
    editions: tuple[int, ...] = ()
    modified: str = ""
    generator: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)  #: e.g. ``{"fake": true}`` in tests

    @property
    def data_digest(self) -> str:
        """The digest of the data: of every graph's IRI and sha256 (not of the downloads or
        the build's date). The embedded store and a store ``publish`` filled tell the same
        build by the same digest, and it makes every answer's ETag."""
        lines = "".join(f"{g.iri}\0{g.sha256}\n" for g in sorted(self.graphs, key=lambda g: g.iri))
        return hashlib.sha256(lines.encode()).hexdigest()

    def graph_files(self, folder: Path) -> dict[str, Path]:
        """``{graph IRI: N-Triples file}`` of the build in ``folder``."""
        return {g.iri: Path(folder) / g.path for g in self.graphs}

    def file(self, name: str) -> FileEntry | None:
        """The download called ``name``, if the build published one."""
        return next((f for f in self.files if f.name == name), None)

    def write(self, folder: Path) -> Path:
        """Write ``folder/manifest.json`` (sorted keys: the same build gives the same bytes)."""
        doc: dict[str, Any] = {
            **self.extra,
            "base_iri": self.base_iri,
            "generator": self.generator,
            "modified": self.modified,
            "editions": list(self.editions),
            "triples": self.triples,
            "graphs": [asdict(g) for g in sorted(self.graphs, key=lambda g: g.iri)],
            "files": [
                {**asdict(f), "path": f.path} for f in sorted(self.files, key=lambda f: f.name)
            ],
            "validation": asdict(self.validation),
        }
        path = Path(folder) / MANIFEST_NAME
        text = json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        path.write_text(text, encoding="utf-8")
        return path

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        """Read and check ``folder/manifest.json``.

        :raises ManifestMissing: there is no manifest (not a finished build).
        :raises ManifestError: the manifest is unreadable or lacks a field; names the field.
        """
        path = Path(folder) / MANIFEST_NAME
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ManifestMissing(
                "missing; the build did not finish or failed SHACL validation (run `make build`)",
                file=str(path),
            ) from exc
        except (OSError, ValueError) as exc:
            raise ManifestError(f"unreadable ({exc})", file=str(path)) from exc
        return _parse(doc, str(path))


def file_entry(folder: Path, name: str, media_type: str) -> FileEntry:
    """The manifest entry of ``folder/download/<name>``, measured from the file itself."""
    body = (Path(folder) / "download" / name).read_bytes()
    return FileEntry(name, media_type, len(body), hashlib.sha256(body).hexdigest())


def graph_entry(folder: Path, iri: str, path: str, triples: int) -> GraphEntry:
    """The manifest entry of the graph file ``folder/path``."""
    digest = hashlib.sha256((Path(folder) / path).read_bytes()).hexdigest()
    return GraphEntry(iri, path, triples, digest)


_KNOWN = {"base_iri", "generator", "modified", "editions", "triples", "graphs", "files",
          "validation"}  # fmt: skip


def _parse(doc: object, where: str) -> Manifest:
    if not isinstance(doc, dict):
        raise ManifestError("not a JSON object", file=where)
    base = _field(doc, "base_iri", str, where)
    if not base.startswith(("http://", "https://")):
        raise ManifestError(f"base_iri {base!r} is not an http(s) IRI", file=where)
    graphs = tuple(_graph(item, where) for item in _field(doc, "graphs", list, where))
    if not graphs:
        raise ManifestError('no "graphs": the build holds no data', file=where)
    files = tuple(_file(item, where) for item in _field(doc, "files", list, where))
    return Manifest(
        base_iri=base if base.endswith("/") else base + "/",
        graphs=graphs,
        files=files,
        validation=_validation(doc.get("validation")),
        triples=_int(doc.get("triples", 0), "triples", where),
        editions=tuple(_int(e, "editions", where) for e in doc.get("editions", [])),
        modified=str(doc.get("modified", "")),
        generator=str(doc.get("generator", "")),
        extra={k: v for k, v in doc.items() if k not in _KNOWN},
    )


def _field(doc: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    value = doc.get(key)
    if not isinstance(value, kind):
        raise ManifestError(f'"{key}" is missing or not a {kind.__name__}', file=where)
    return value


def _int(value: object, key: str, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ManifestError(f'"{key}" must be an integer, not {value!r}', file=where)
    return value


def _graph(item: object, where: str) -> GraphEntry:
    if not isinstance(item, dict):
        raise ManifestError(f"graph entry {item!r} is not an object", file=where)
    iri = _field(item, "iri", str, where)
    if not IRI.match(iri):
        raise ManifestError(f"graph {iri!r} is not an absolute IRI", file=where)
    path = _field(item, "path", str, where)
    if "triples" not in item:
        raise ManifestError(f"gives no triple count for {path}", file=where)
    triples = _int(item["triples"], f"triples of {path}", where)
    return GraphEntry(iri, path, triples, _field(item, "sha256", str, where))


def _file(item: object, where: str) -> FileEntry:
    if not isinstance(item, dict):
        raise ManifestError(f"file entry {item!r} is not an object", file=where)
    name = _field(item, "name", str, where)
    if "/" in name or name in ("", ".", ".."):
        raise ManifestError(f"file name {name!r} is not a plain file name", file=where)
    return FileEntry(
        name,
        _field(item, "media_type", str, where),
        _int(item.get("bytes"), f"bytes of {name}", where),
        _field(item, "sha256", str, where),
    )


def _validation(value: object) -> Validation:
    """Only ``{"conforms": true}`` exactly counts as valid; anything else is not marked valid."""
    if not isinstance(value, dict):
        return Validation(conforms=False)
    counts = [value.get(k, 0) for k in ("violations", "warnings")]
    violations, warnings = (c if isinstance(c, int) else 0 for c in counts)
    return Validation(value.get("conforms") is True, violations, warnings)
