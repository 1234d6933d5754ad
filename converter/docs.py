"""Human-readable HTML documentation of the ontology, made by pyLODE at build time."""

from __future__ import annotations

import logging
from pathlib import Path


def ontology_html(path: Path) -> str:
    """Render ``path`` (OWL in Turtle) as a single HTML page."""
    root = logging.getLogger()
    level = root.level
    from pylode import OntPub  # its import sets the root logger to DEBUG; put it back

    root.setLevel(level)
    return str(OntPub(ontology=str(path)).make_html())
