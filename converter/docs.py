"""Human-readable HTML documentation of the ontology, made at build time.

Written here rather than with pyLODE: pyLODE took the code lists (skos:ConceptScheme) for
ontologies and ran their titles together, joined Japanese and English labels without a
space, and its output changed with the hash seed. This page is Japanese first with English
beside it, every term has an anchor named after its local name (so
``…/ontology#Project`` lands on it), and the bytes are the same on every build.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, QB, RDF, RDFS, SKOS
from rdflib.term import Node

from converter.vocab import DX, ONTOLOGY_IRI, PREFIXES

SECTIONS = (
    (OWL.Class, "クラス", "Classes"),
    (OWL.ObjectProperty, "オブジェクトプロパティ", "Object properties"),
    (OWL.DatatypeProperty, "データプロパティ", "Datatype properties"),
)
RELATIONS = (
    (RDFS.subClassOf, "上位クラス", "subclass of"),
    (RDFS.subPropertyOf, "上位プロパティ", "subproperty of"),
    (RDFS.domain, "定義域", "domain"),
    (RDFS.range, "値域", "range"),
    (OWL.inverseOf, "逆プロパティ", "inverse of"),
    (QB.codeList, "コードリスト", "code list"),
)


@dataclass(frozen=True)
class Link:
    text: str
    href: str | None


@dataclass(frozen=True)
class Term:
    anchor: str
    iri: str
    ja: str
    en: str
    definition_ja: str
    definition_en: str
    kinds: list[str]
    relations: list[tuple[str, str, list[Link]]]
    notation: str = ""


def _text(graph: Graph, node: Node, predicate: URIRef, language: str) -> str:
    values = sorted(
        str(o)
        for o in graph.objects(node, predicate)
        if isinstance(o, Literal) and o.language == language
    )
    return values[0] if values else ""


def _curie(iri: str) -> str:
    for prefix, namespace in sorted(PREFIXES.items()):
        if iri.startswith(str(namespace)) and len(iri) > len(str(namespace)):
            return f"{prefix}:{iri[len(str(namespace)) :]}"
    return iri


def _link(node: Node) -> Link:
    iri = str(node)
    if iri.startswith(str(DX)):
        return Link(_curie(iri), "#" + iri[len(str(DX)) :])
    return Link(_curie(iri), iri if iri.startswith("http") else None)


def _term(graph: Graph, node: URIRef) -> Term:
    relations = []
    for predicate, ja, en in RELATIONS:
        objects = sorted(
            (o for o in graph.objects(node, predicate) if isinstance(o, URIRef)), key=str
        )
        if objects:
            relations.append((ja, en, [_link(o) for o in objects]))
    kinds = sorted(_curie(str(o)) for o in graph.objects(node, RDF.type))
    notation = next((str(o) for o in graph.objects(node, SKOS.notation)), "")
    return Term(
        anchor=str(node)[len(str(DX)) :],
        iri=str(node),
        ja=_text(graph, node, RDFS.label, "ja"),
        en=_text(graph, node, RDFS.label, "en"),
        definition_ja=_text(graph, node, SKOS.definition, "ja"),
        definition_en=_text(graph, node, SKOS.definition, "en"),
        kinds=kinds,
        relations=relations,
        notation=notation,
    )


def _own(graph: Graph, nodes: Iterable[Node]) -> list[URIRef]:
    return sorted(
        {n for n in nodes if isinstance(n, URIRef) and str(n).startswith(str(DX))},
        key=str,
    )


def ontology_html(ontology: Path | Graph) -> str:
    """Render the ontology (OWL in Turtle, or its graph already read) as one self-contained
    HTML page."""
    graph = ontology if isinstance(ontology, Graph) else Graph().parse(ontology, format="turtle")
    sections = [(ja, en, _terms_of_type(graph, kind)) for kind, ja, en in SECTIONS]
    page = _ENV.get_template("ontology.html").render(
        **_ontology_metadata(graph),
        sections=sections,
        schemes=_schemes(graph),
        structure=_terms_of_type(graph, QB.DataStructureDefinition),
        components=_components(graph),
        individuals=_terms_of_type(graph, DX.ReferencePeriod),
        prefixes=sorted((p, str(n)) for p, n in PREFIXES.items()),
    )
    return page


def _terms_of_type(graph: Graph, kind: URIRef) -> list[Term]:
    """The ontology's own terms typed ``kind``, in IRI order."""
    return [_term(graph, n) for n in _own(graph, graph.subjects(RDF.type, kind))]


def _schemes(graph: Graph) -> list[tuple[Term, list[Term]]]:
    """Each code list with its concepts."""
    schemes = []
    for scheme in _own(graph, graph.subjects(RDF.type, SKOS.ConceptScheme)):
        concepts = _own(graph, graph.subjects(SKOS.inScheme, scheme))
        schemes.append((_term(graph, scheme), [_term(graph, c) for c in concepts]))
    return schemes


def _components(graph: Graph) -> list[tuple[str, str, str, Link, str]]:
    """The data cube's component specifications: (spec, role ja, role, property, required)."""
    components = []
    for spec in _own(graph, graph.subjects(RDF.type, QB.ComponentSpecification)):
        for role, ja in ((QB.dimension, "次元"), (QB.measure, "測定値"), (QB.attribute, "属性")):
            for prop in graph.objects(spec, role):
                required = graph.value(spec, QB.componentRequired)
                components.append(
                    (
                        str(spec)[len(str(DX)) :],
                        ja,
                        role.split("#")[-1],
                        _link(prop),
                        "" if required is None else str(required),
                    )
                )
    return components


def _ontology_metadata(graph: Graph) -> dict[str, str]:
    """The ontology's own titles, descriptions, IRI, version and licence."""
    return dict(
        title_ja=_text(graph, ONTOLOGY_IRI, URIRef("http://purl.org/dc/terms/title"), "ja"),
        title_en=_text(graph, ONTOLOGY_IRI, URIRef("http://purl.org/dc/terms/title"), "en"),
        description_ja=_text(
            graph, ONTOLOGY_IRI, URIRef("http://purl.org/dc/terms/description"), "ja"
        ),
        description_en=_text(
            graph, ONTOLOGY_IRI, URIRef("http://purl.org/dc/terms/description"), "en"
        ),
        iri=str(ONTOLOGY_IRI),
        version=str(graph.value(ONTOLOGY_IRI, OWL.versionInfo) or ""),
        version_iri=str(graph.value(ONTOLOGY_IRI, OWL.versionIRI) or ""),
        license=str(graph.value(ONTOLOGY_IRI, URIRef("http://purl.org/dc/terms/license")) or ""),
    )


_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
