"""The ontology: every term labelled and defined in Japanese and English, versioned."""

from __future__ import annotations

from rdflib import Graph, Literal
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from converter.build import ONTOLOGY_FILE
from converter.vocab import DX, ONTOLOGY_IRI

ONTOLOGY = Graph().parse(ONTOLOGY_FILE, format="turtle")
KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)


def languages(term, predicate) -> set[str]:  # type: ignore[no-untyped-def]
    return {
        o.language
        for o in ONTOLOGY.objects(term, predicate)
        if isinstance(o, Literal) and o.language
    }


def test_every_class_and_property_is_labelled_and_defined_in_both_languages() -> None:
    terms = {
        s for kind in KINDS for s in ONTOLOGY.subjects(RDF.type, kind) if str(s).startswith(str(DX))
    }
    assert len(terms) > 40
    for term in terms:
        assert languages(term, RDFS.label) >= {"ja", "en"}, term
        assert languages(term, SKOS.definition) >= {"ja", "en"}, term
        assert (term, RDFS.isDefinedBy, ONTOLOGY_IRI) in ONTOLOGY, term


def test_ontology_is_versioned() -> None:
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ONTOLOGY
    assert ONTOLOGY.value(ONTOLOGY_IRI, OWL.versionIRI) is not None
    assert ONTOLOGY.value(ONTOLOGY_IRI, OWL.versionInfo) is not None


def test_mapping_uses_only_declared_terms(data_graph: Graph) -> None:
    declared = set(ONTOLOGY.subjects())
    used = {p for p in data_graph.predicates() if str(p).startswith(str(DX))}
    used |= {o for o in data_graph.objects(None, RDF.type) if str(o).startswith(str(DX))}
    assert used - declared == set()


def test_alignment_to_standard_vocabularies() -> None:
    supers = {str(o) for o in ONTOLOGY.objects(None, RDFS.subClassOf)}
    for iri in (
        "http://schema.org/Project",
        "http://www.w3.org/2004/02/skos/core#Concept",
        "http://www.w3.org/ns/org#OrganizationalUnit",
        "http://www.w3.org/2006/time#ProperInterval",
        "http://www.w3.org/ns/prov#Entity",
    ):
        assert iri in supers


def test_html_documentation_has_an_anchor_per_term(dist_dir) -> None:  # type: ignore[no-untyped-def]
    html = (dist_dir / "download" / "ontology.html").read_text("utf-8")
    terms = {s for s in ONTOLOGY.subjects() if str(s).startswith(str(DX))}
    for term in terms:
        assert f'id="{str(term)[len(str(DX)) :]}"' in html, term
    assert '<h3>事業 <span class="en" lang="en">Project</span></h3>' in html
    assert "一部達成" in html and "Partially achieved" in html
    assert "<script" not in html
