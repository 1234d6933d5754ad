"""The SHACL gate on several cores gives exactly the report of one run over all shapes."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF, SH

from converter.errors import ConverterError
from converter.validate import PARALLEL_FROM, Report, shape_groups, validate
from tests.converter.test_shapes import CASES, SHAPES, TARGETS, focus_nodes, mutate


@pytest.fixture(scope="module")
def broken(two_editions: Path) -> Graph:
    """The two-edition build with every shape's constraint broken at one focus node."""
    graph = Graph()
    for name in ("fy2023", "fy2024", "catalog", "series", "changes"):
        graph.parse(two_editions / "graphs" / f"{name}.nt", format="nt")
    for case in CASES:
        nodes = focus_nodes(graph, case)
        if nodes:
            mutate(graph, case, nodes[0])
    return graph


def test_parallel_report_is_the_serial_report(broken: Graph) -> None:
    serial = validate(broken, SHAPES, workers=1)
    assert len({f.shape for f in serial.violations}) >= 40  # many shapes, in every group
    for workers in (2, 3):
        assert validate(broken, SHAPES, workers=workers).findings == serial.findings


def test_groups_hold_every_targeted_shape_once(broken: Graph) -> None:
    targeted = {s for target in TARGETS for s in SHAPES.subjects(target, None)}
    groups = shape_groups(broken, SHAPES, 2)
    assert len(groups) == 2
    members = [shape for group in groups for shape in group or []]
    assert sorted(members) == sorted(targeted)  # each once
    assert all(group for group in groups)


def test_groups_balance_the_costly_shapes(broken: Graph) -> None:
    """The shapes that run nested shapes per value (sh:or, sh:xone on every KPI value and
    listing) dominate; they do not all land in one group."""
    costly = {s for p in (SH["or"], SH.xone) for s in SHAPES.subjects(p, None)}
    costly = {s for s in costly if isinstance(s, URIRef) and (s, SH.targetClass, None) in SHAPES}
    groups = shape_groups(broken, SHAPES, 2)
    assert all(costly & set(group or []) for group in groups)


def test_one_group_when_a_shape_cannot_be_named(broken: Graph) -> None:
    shapes = Graph()
    shapes += SHAPES
    anonymous = BNode()
    shapes.add((anonymous, RDF.type, SH.NodeShape))
    shapes.add((anonymous, SH.targetClass, URIRef("https://example.invalid/C")))
    assert shape_groups(broken, shapes, 2) == [None]


def test_small_graphs_stay_in_one_process(broken: Graph) -> None:
    assert len(broken) < PARALLEL_FROM  # the real table: forking would cost more than it saves
    assert shape_groups(broken, SHAPES, 1) == [None]


def test_a_dead_worker_is_a_clear_error(broken: Graph) -> None:
    """A worker killed (as the kernel's OOM killer would) fails the gate with a message,
    not a hang or a traceback from the pool."""
    big = Graph()
    for copy in range(8):  # about a second of work: long enough to be caught running
        for s, p, o in broken:
            big.add((URIRef(f"{s}-{copy}") if isinstance(s, URIRef) else s, p, o))
    outcome: list[Report | BaseException] = []

    def run() -> None:
        try:
            outcome.append(validate(big, SHAPES, workers=2))
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            outcome.append(exc)

    runner = threading.Thread(target=run)
    runner.start()
    deadline = time.monotonic() + 30
    while not multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.01)
    for child in multiprocessing.active_children():
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
    runner.join(60)
    assert not runner.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], ConverterError), outcome
    assert "worker process died" in str(outcome[0])
