"""The build runs with Python's cyclic garbage collector paused.

A build allocates millions of long-lived objects (rdflib terms, triples, index entries) and
almost no reference cycles (10 objects collected over a 300× table). Each full collection
walks every live object, so it made the build superlinear: at 300×, converting took 23 s
with the collector and 13.5 s without, sorting for the dumps 16 s and 9 s. Reference counting
still frees everything else at once; one collection at the end clears the few cycles.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic collector for the block (as it was before, afterwards)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        gc.collect()
