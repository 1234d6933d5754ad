"""Human-readable HTML documentation of the ontology, made by pyLODE at build time."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from converter.errors import ConverterError

_RENDER = ("import sys; from pylode import OntPub; "
           "sys.stdout.write(str(OntPub(ontology=sys.argv[1]).make_html()))")


def ontology_html(path: Path) -> str:
    """Render ``path`` (OWL in Turtle) as a single HTML page.

    pyLODE orders some sections by Python's string hashing and configures the root logger
    on import, so it runs in its own interpreter with a fixed hash seed: the page is then
    byte-identical from build to build.

    :raises ConverterError: pyLODE failed.
    """
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run([sys.executable, "-c", _RENDER, str(path)], env=env,
                          capture_output=True, text=True, encoding="utf-8", check=False)
    if done.returncode != 0:
        raise ConverterError(f"pyLODE could not document {path.name}: {done.stderr[-500:]}")
    return done.stdout
