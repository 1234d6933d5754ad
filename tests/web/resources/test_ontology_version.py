"""The ontology's ``owl:versionIRI`` dereferences: ``/ontology/<owl:versionInfo>``.

Needs a route in server/web/resources.py: ``/ontology/<version>`` (and ``.<ext>``) answering
what ``/ontology`` answers when ``version`` is the ontology's ``owl:versionInfo``, 404
otherwise. Runs on both stores.
"""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL

from converter.contract import DEFAULT_BASE_IRI
from converter.vocab import ONTOLOGY_IRI

TURTLE = {"Accept": "text/turtle"}


def published(dist_dir: Path) -> Graph:
    return Graph().parse(dist_dir / "download" / "ontology.ttl", format="turtle")


def version_path(dist_dir: Path) -> str:
    ontology = published(dist_dir)
    version = ontology.value(ONTOLOGY_IRI, OWL.versionIRI)
    info = ontology.value(ONTOLOGY_IRI, OWL.versionInfo)
    assert isinstance(version, URIRef) and isinstance(info, Literal)
    assert str(version) == f"{DEFAULT_BASE_IRI}ontology/{info}"
    return "/" + str(version)[len(DEFAULT_BASE_IRI) :]


def test_version_iri_answers_the_ontology(client: FlaskClient, dist_dir: Path) -> None:
    path = version_path(dist_dir)
    response = client.get(path, headers=TURTLE)
    assert response.status_code == 200, f"GET {path}: {response.status_code}"
    assert response.mimetype == "text/turtle"
    served = Graph().parse(data=response.data, format="turtle")
    ontology = published(dist_dir)
    assert len(served) == len(ontology)
    version = ontology.value(ONTOLOGY_IRI, OWL.versionIRI)
    assert (ONTOLOGY_IRI, OWL.versionIRI, version) in served


def test_version_iri_has_a_page(client: FlaskClient, dist_dir: Path) -> None:
    response = client.get(version_path(dist_dir), headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.mimetype == "text/html"


def test_an_unknown_version_is_404(client: FlaskClient) -> None:
    assert client.get("/ontology/9.9.9", headers=TURTLE).status_code == 404
