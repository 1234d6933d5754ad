"""Human-readable HTML documentation of the ontology, made by pyLODE at build time."""

from __future__ import annotations

from pathlib import Path


def ontology_html(path: Path) -> str:
    """Render ``path`` (OWL in Turtle) as a single HTML page."""
    from pylode import OntPub

    return str(OntPub(ontology=str(path)).make_html())
