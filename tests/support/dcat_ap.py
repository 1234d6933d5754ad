"""The official DCAT-AP 3.0.1 SHACL shapes, loaded the way pyshacl accepts them."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import SH

SHAPES_DIR = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "conformance"
    / ("semiceu-dcat-ap/3.0.1/shacl")
)
FILES = ("dcat-ap-SHACL.ttl", "ranges.ttl")


@lru_cache(maxsize=1)
def dcat_ap_shapes() -> Graph:
    """Core + ranges, minus references to property shapes no published file defines."""
    shapes = Graph()
    for name in FILES:
        shapes.parse(SHAPES_DIR / name, format="turtle")
    # The published files point at a few property shapes they never define; pyshacl
    # rejects such dangling references, so they are dropped here (in memory only).
    for link in (SH.property, SH.node):
        for subject, target in list(shapes.subject_objects(link)):
            if (target, None, None) not in shapes:
                shapes.remove((subject, link, target))
    return shapes
