"""Parsers other people wrote read what we publish, as their users run them (issue 9).

* rapper (Raptor 2, Debian ``raptor2-utils``): ``rapper -i SYNTAX -c FILE`` and
  ``rapper -i SYNTAX -o ntriples FILE`` on every Turtle, N-Triples and RDF/XML download of the
  build. Exit 0, nothing on stderr but rapper's own progress lines (a warning is a failure),
  as many triples as rdflib reads, and the N-Triples lines of our N-Triples of the same graph
  (``download/dx-kpi.nt``, ``graphs/catalog.nt``, ``graphs/ontology.nt``). Also on the Turtle
  and RDF/XML the server answers (read from stdin, with the IRI as base), as N3.js is below.
* N3.js (npm ``n3``, the parser Comunica uses), through ``n3_parse.mjs``: the Turtle and
  N-Triples downloads, and the Turtle the server answers for a KPI, a project, the catalog,
  the VoID description and the SPARQL service description.
* jsonld.js (npm ``jsonld``, through ``jsonld_to_rdf.mjs``) and pyld (its Python port):
  ``toRDF`` of the JSON-LD downloads and of a resource's JSON-LD, against rdflib's reading of
  the same document, of the Turtle of the same graph and of our N-Triples of it; and the
  documents with their embedded ``@context`` replaced by the published ``context.jsonld``.

Triples are compared as rdflib terms (where there are blank nodes, as N-Triples after
pyoxigraph's canonical renaming of blank nodes), with rdflib's literal normalisation off, so that a lexical form counts (``"1.0"`` is not ``"1"``);
and, against our own N-Triples, as sets of lines in canonical N-Triples form (rapper writes
``\\uXXXX`` for every non-ASCII character, the canonical form writes the character itself).

``scripts/install-system-deps.sh`` installs rapper, and calls ``scripts/install-test-clients.sh``,
which installs the npm packages into ``tests/clients/node_modules`` at the versions of
``package-lock.json``. A missing tool fails these tests; it never skips them.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import rdflib
from flask.testing import FlaskClient
from rdflib import BNode, Dataset, Graph
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from converter.contract import Manifest

CLIENTS = Path(__file__).resolve().parent
INSTALL = "run scripts/install-system-deps.sh (CI runs it)"
TIMEOUT = 60  # seconds for one run of a tool; each takes well under one

#: Every download in a syntax rapper reads: its rapper syntax, and the N-Triples of the same
#: graph in the build (None: there is none, the graph is compared with rdflib's reading only).
RAPPER: dict[str, tuple[str, str | None]] = {
    "dx-kpi.ttl": ("turtle", "download/dx-kpi.nt"),
    "dx-kpi.nt": ("ntriples", "download/dx-kpi.nt"),
    "dx-kpi.rdf": ("rdfxml", "download/dx-kpi.nt"),
    "catalog.ttl": ("turtle", "graphs/catalog.nt"),
    "catalog.rdf": ("rdfxml", "graphs/catalog.nt"),
    "ontology.ttl": ("turtle", "graphs/ontology.nt"),
    "shapes.ttl": ("turtle", None),  # has blank nodes, and no N-Triples of its own
}
RDFLIB_SYNTAX = {"turtle": "turtle", "ntriples": "nt", "rdfxml": "xml"}
N3JS_FORMAT = {"turtle": "text/turtle", "ntriples": "application/n-triples"}

#: The JSON-LD downloads: the Turtle of the same graph, and our N-Triples of it.
JSONLD: dict[str, tuple[str, str]] = {
    "dx-kpi.jsonld": ("download/dx-kpi.ttl", "download/dx-kpi.nt"),
    "catalog.jsonld": ("download/catalog.ttl", "graphs/catalog.nt"),
}
CONTEXT = "context.jsonld"  # a JSON-LD context, no data: see test_published_context
RDF_MEDIA_TYPES = {
    "text/turtle",
    "application/n-triples",
    "application/rdf+xml",
    "application/ld+json",
}

#: Turtle the server answers: (path, Accept); a parser gets the body, the IRI as its base.
TURTLE_RESOURCES: list[tuple[str, str | None]] = [
    ("/id/kpi/2.ttl", None),
    ("/id/project/fy2023/8.ttl", None),
    ("/catalog", "text/turtle"),
    ("/.well-known/void", "text/turtle"),
    ("/sparql", "text/turtle"),
]
#: ... and the RDF/XML, which rapper reads too (with the Turtle above).
RDFXML_RESOURCES: list[tuple[str, str | None]] = [
    ("/id/kpi/2.rdf", None),
    ("/id/project/fy2023/8.rdf", None),
]
SERVED_SYNTAX = {"text/turtle": "turtle", "application/rdf+xml": "rdfxml"}
TEST_CLIENT_ORIGIN = "http://localhost"  # where Flask's test client sends its requests


# --- the tools ------------------------------------------------------------------------------


def run(command: list[str], *, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=TIMEOUT,
        check=False,
    )


@pytest.fixture(scope="session")
def rapper() -> str:
    path = shutil.which("rapper")
    if path is None:
        pytest.fail(f"rapper (Debian package raptor2-utils) is not installed: {INSTALL}")
    return path


@pytest.fixture(scope="session")
def node() -> str:
    """Node.js, with the npm packages of package.json installed at their pinned versions."""
    path = shutil.which("node")
    if path is None:
        pytest.fail(f"Node.js is not installed: {INSTALL}")
    wanted = json.loads((CLIENTS / "package.json").read_text(encoding="utf-8"))["dependencies"]
    for name, version in wanted.items():
        manifest = CLIENTS / "node_modules" / name / "package.json"
        if not manifest.is_file():
            pytest.fail(f"npm package {name} is not in {manifest.parent.parent}: {INSTALL}")
        installed = json.loads(manifest.read_text(encoding="utf-8"))["version"]
        if installed != version:
            pytest.fail(
                f"npm package {name} is {installed}, package.json pins {version}: {INSTALL}"
            )
    return path


RAPPER_PROGRESS = re.compile(
    r"rapper: (Parsing (URI|file) \S+ with parser \w+( and base URI \S+)?"
    r"|Serializing with serializer \w+( and base URI \S+)?"
    r"|Parsing returned (?P<count>\d+) triples?)"
)


def rapper_run(rapper: str, *args: str, stdin: str | None = None) -> tuple[str, int]:
    """rapper's stdout and the count it reports; fails on a non-zero exit or any other message."""
    done = run([rapper, *args], stdin=stdin)
    lines = done.stderr.splitlines()
    progress = [RAPPER_PROGRESS.fullmatch(line) for line in lines]
    said = [line for line, match in zip(lines, progress, strict=True) if match is None]
    assert done.returncode == 0 and not said, (
        f"rapper {' '.join(args)} exited with {done.returncode}: " + "\n".join(said)
    )
    counts = [int(match["count"]) for match in progress if match and match["count"]]
    assert len(counts) == 1, done.stderr
    return done.stdout, counts[0]


def n3js(node: str, *args: str, stdin: str | None = None) -> tuple[str, int]:
    """N3.js's N-Triples of a document and the number of triples it read."""
    done = run([node, str(CLIENTS / "n3_parse.mjs"), *args], stdin=stdin)
    assert done.returncode == 0 and not done.stderr, f"n3.js: {done.stderr}"
    first, _, ntriples = done.stdout.partition("\n")
    count = re.fullmatch(r"# triples: (\d+)", first)
    assert count, f"n3_parse.mjs printed {first!r} first"
    return ntriples, int(count[1])


#: ``to_rdf(document, served)`` is the N-Quads a JSON-LD processor makes of the document (a
#: JSON string); ``served`` maps the URLs its document loader may answer to local files.
ToRdf = Callable[[str, dict[str, Path]], str]


def jsonld_js(node: str) -> ToRdf:
    def to_rdf(document: str, served: dict[str, Path]) -> str:
        serve = [arg for url, path in served.items() for arg in ("--serve", url, str(path))]
        done = run([node, str(CLIENTS / "jsonld_to_rdf.mjs"), *serve], stdin=document)
        assert done.returncode == 0 and not done.stderr, f"jsonld.js: {done.stderr}"
        return done.stdout

    return to_rdf


def pyld_to_rdf(document: str, served: dict[str, Path]) -> str:
    from pyld import jsonld

    def loader(url: str, options: object = None) -> dict[str, Any]:
        if url not in served:
            raise RuntimeError(f"refusing to load {url}: the document should embed its @context")
        document = json.loads(served[url].read_text(encoding="utf-8"))
        return {"contextUrl": None, "documentUrl": url, "document": document}

    options = {"format": "application/n-quads", "documentLoader": loader}
    return str(jsonld.to_rdf(json.loads(document), options))


@pytest.fixture(params=["jsonld.js", "pyld"])
def to_rdf(request: pytest.FixtureRequest) -> ToRdf:
    if request.param == "pyld":
        return pyld_to_rdf
    return jsonld_js(request.getfixturevalue("node"))


# --- comparing ------------------------------------------------------------------------------


@contextmanager
def lexical_literals() -> Iterator[None]:
    """rdflib keeps each literal's lexical form (``"1.0"^^xsd:decimal`` stays ``"1.0"``)."""
    saved = rdflib.NORMALIZE_LITERALS
    rdflib.NORMALIZE_LITERALS = False
    try:
        yield
    finally:
        rdflib.NORMALIZE_LITERALS = saved


def read(source: str | Path, syntax: str, base: str | None = None) -> Graph:
    """rdflib's reading of a document (text, or a file) in a triple syntax."""
    graph = Graph()
    with lexical_literals():
        if isinstance(source, Path):
            graph.parse(source, format=syntax)
        else:
            graph.parse(data=source, format=syntax, publicID=base)
    return graph


def read_quads(source: str, syntax: str) -> Graph:
    """rdflib's reading of N-Quads or JSON-LD, which must hold one graph, the default one."""
    dataset = Dataset()
    with lexical_literals():
        dataset.parse(data=source, format=syntax)
    named = sorted(str(g.identifier) for g in dataset.graphs() if len(g))
    named = [g for g in named if g != str(DATASET_DEFAULT_GRAPH_ID)]
    assert not named, f"named graphs {named}; every document here holds one graph"
    graph = Graph()
    for triple in dataset.default_graph:
        graph.add(triple)
    return graph


def has_blank_nodes(graph: Graph) -> bool:
    return any(isinstance(term, BNode) for triple in graph for term in triple)


def canonical_triples(graph: Graph) -> set[str]:
    """The triples as N-Triples, blank nodes renamed canonically (pyoxigraph's canonicalization:
    two graphs get the same set exactly when they are isomorphic; rdflib's is much slower)."""
    ntriples = graph.serialize(format="nt", encoding="utf-8")
    dataset = ox.Dataset(ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return {f"{quad.triple} ." for quad in dataset}


def assert_same_graph(theirs: Graph, ours: Graph, what: str) -> None:
    """The same triples, blank nodes up to renaming."""
    if has_blank_nodes(theirs) or has_blank_nodes(ours):
        their, mine = canonical_triples(theirs), canonical_triples(ours)
    else:
        their = {" ".join(term.n3() for term in triple) for triple in theirs}
        mine = {" ".join(term.n3() for term in triple) for triple in ours}
    only_theirs, only_ours = sorted(their - mine), sorted(mine - their)
    assert not only_theirs and not only_ours, (
        f"{what}: {len(only_theirs)} triples only theirs, e.g. {only_theirs[:5]}; "
        f"{len(only_ours)} only ours, e.g. {only_ours[:5]}"
    )


ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))")
ECHAR = {"\b": "b", "\t": "t", "\n": "n", "\f": "f", "\r": "r", '"': '"', "\\": "\\"}


def _canonical_escape(match: re.Match[str]) -> str:
    if match[3] is not None:  # \t \n \" \\ ... stay; \' is written as '
        return "'" if match[3] == "'" else match[0]
    char = chr(int(match[1] or match[2], 16))
    if char in ECHAR:
        return "\\" + ECHAR[char]
    if ord(char) < 0x20 or ord(char) == 0x7F:
        return f"\\u{ord(char):04X}"
    return char


def ntriples_lines(text: str) -> set[str]:
    """The lines of an N-Triples document in canonical form (escapes only where required)."""
    lines = (line.strip() for line in text.splitlines())
    return {ESCAPE.sub(_canonical_escape, line) for line in lines if line and line[0] != "#"}


def assert_same_lines(theirs: str, ours: Path, what: str) -> None:
    """The same N-Triples lines as our N-Triples file ``ours`` (which has no blank nodes)."""
    reference = ours.read_text(encoding="utf-8")
    assert not has_blank_nodes(read(reference, "nt")), f"{ours} has blank nodes: compare graphs"
    mine, their = ntriples_lines(reference), ntriples_lines(theirs)
    only_theirs, only_ours = sorted(their - mine), sorted(mine - their)
    assert not only_theirs and not only_ours, (
        f"{what} vs {ours.name}: {len(only_theirs)} lines only theirs, e.g. {only_theirs[:5]}; "
        f"{len(only_ours)} only ours, e.g. {only_ours[:5]}"
    )


def test_canonical_ntriples_lines() -> None:
    raptor = r'<http://a> <http://b> "\u4EE4\u548C5 \"q\" \u0009\U0001F600\u000B"@ja .'
    assert ntriples_lines(raptor + "\n# comment\n") == {
        '<http://a> <http://b> "令和5 \\"q\\" \\t\U0001f600\\u000B"@ja .'
    }


# --- every RDF download is read here --------------------------------------------------------


def test_every_rdf_download_is_read_here(dist_dir: Path) -> None:
    manifest = Manifest.read(dist_dir)
    published = {f.name for f in manifest.files if f.media_type in RDF_MEDIA_TYPES}
    assert published == set(RAPPER) | set(JSONLD) | {CONTEXT}


# --- rapper ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", RAPPER)
def test_rapper_counts_what_rdflib_reads(rapper: str, dist_dir: Path, name: str) -> None:
    syntax, _ = RAPPER[name]
    path = dist_dir / "download" / name
    _, count = rapper_run(rapper, "-i", syntax, "-c", str(path))
    assert count == len(read(path, RDFLIB_SYNTAX[syntax])) > 0


@pytest.mark.parametrize("name", RAPPER)
def test_rapper_ntriples(rapper: str, dist_dir: Path, name: str) -> None:
    syntax, reference = RAPPER[name]
    path = dist_dir / "download" / name
    ntriples, count = rapper_run(rapper, "-i", syntax, "-o", "ntriples", str(path))
    theirs = read(ntriples, "nt")
    assert count == len(theirs)
    assert_same_graph(theirs, read(path, RDFLIB_SYNTAX[syntax]), f"rapper's reading of {name}")
    if reference is not None:
        assert_same_lines(ntriples, dist_dir / reference, f"rapper's reading of {name}")


@pytest.mark.parametrize(("path", "accept"), TURTLE_RESOURCES + RDFXML_RESOURCES)
def test_rapper_reads_what_the_server_answers(
    rapper: str, client: FlaskClient, path: str, accept: str | None
) -> None:
    response = client.get(path, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    syntax = SERVED_SYNTAX[str(response.mimetype)]
    body = response.get_data(as_text=True)
    base = TEST_CLIENT_ORIGIN + path
    ntriples, count = rapper_run(rapper, "-i", syntax, "-o", "ntriples", "-", base, stdin=body)
    theirs = read(ntriples, "nt")
    assert count == len(theirs) > 0
    ours = read(body, RDFLIB_SYNTAX[syntax], base)
    assert_same_graph(theirs, ours, f"rapper's reading of {path}")


# --- N3.js ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n, (syntax, _) in RAPPER.items() if syntax in N3JS_FORMAT])
def test_n3js_reads_the_download(node: str, dist_dir: Path, name: str) -> None:
    syntax, reference = RAPPER[name]
    path = dist_dir / "download" / name
    ntriples, count = n3js(node, "--format", N3JS_FORMAT[syntax], str(path))
    theirs = read(ntriples, "nt")
    assert count == len(theirs)
    assert_same_graph(theirs, read(path, RDFLIB_SYNTAX[syntax]), f"n3.js's reading of {name}")
    if reference is not None:
        assert_same_lines(ntriples, dist_dir / reference, f"n3.js's reading of {name}")


@pytest.mark.parametrize(("path", "accept"), TURTLE_RESOURCES)
def test_n3js_reads_the_served_turtle(
    node: str,
    client: FlaskClient,
    path: str,
    accept: str | None,
) -> None:
    response = client.get(path, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"
    body = response.get_data(as_text=True)
    base = TEST_CLIENT_ORIGIN + path
    ntriples, count = n3js(node, "--format", "text/turtle", "--base", base, stdin=body)
    theirs = read(ntriples, "nt")
    assert count == len(theirs) > 0
    assert_same_graph(theirs, read(body, "turtle", base), f"n3.js's reading of {path}")


# --- jsonld.js and pyld ---------------------------------------------------------------------


@pytest.mark.parametrize("name", JSONLD)
def test_jsonld_to_rdf_of_the_download(to_rdf: ToRdf, dist_dir: Path, name: str) -> None:
    turtle, reference = JSONLD[name]
    document = (dist_dir / "download" / name).read_text(encoding="utf-8")
    nquads = to_rdf(document, {})
    theirs = read_quads(nquads, "nquads")
    what = f"toRDF of {name}"
    assert_same_graph(theirs, read_quads(document, "json-ld"), f"{what} vs rdflib's reading")
    assert_same_graph(theirs, read(dist_dir / turtle, "turtle"), f"{what} vs {turtle}")
    assert_same_lines(nquads, dist_dir / reference, what)


def test_jsonld_to_rdf_of_a_resource(to_rdf: ToRdf, client: FlaskClient, tmp_path: Path) -> None:
    response = client.get("/id/kpi/2.jsonld")
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    document = response.get_data(as_text=True)
    nquads = to_rdf(document, {})
    theirs = read_quads(nquads, "nquads")
    assert len(theirs) > 0
    what = "toRDF of /id/kpi/2.jsonld"
    assert_same_graph(theirs, read_quads(document, "json-ld"), f"{what} vs rdflib's reading")
    turtle = client.get("/id/kpi/2.ttl").get_data(as_text=True)
    assert_same_graph(theirs, read(turtle, "turtle"), f"{what} vs /id/kpi/2.ttl")
    ntriples = tmp_path / "2.nt"
    ntriples.write_bytes(client.get("/id/kpi/2.nt").get_data())
    assert_same_lines(nquads, ntriples, what)


@pytest.mark.parametrize("name", JSONLD)
def test_published_context(to_rdf: ToRdf, dist_dir: Path, name: str) -> None:
    """A document that names the published ``context.jsonld`` instead of embedding it means
    the same (the processor's document loader answers the URL with the file of the build)."""
    url = Manifest.read(dist_dir).base_iri + "download/" + CONTEXT
    document = json.loads((dist_dir / "download" / name).read_text(encoding="utf-8"))
    document["@context"] = url
    nquads = to_rdf(json.dumps(document), {url: dist_dir / "download" / CONTEXT})
    assert_same_lines(nquads, dist_dir / JSONLD[name][1], f"toRDF of {name} with {url}")
