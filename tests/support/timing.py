"""Seconds in tests: a goal where a test runs alone, a bound for a hang where it does not.

``make test`` runs the suite with ``pytest -n 2`` on two cores, beside Chromium, nginx and
store servers: a latency measured there says as much about the machine's load as about the
code. So a timed assertion states its goal through :func:`within`: the goal itself in
``make harden``'s full run (``DX_HARDEN=full``, one test at a time, alone on the machine),
else :data:`SHARED` times the goal, enough to catch a hang, a missing time limit or a queue
that serializes, never a busy machine. Speed goals are measured in ``make bench``.

A test whose point is that something happened *before* something slow (a time limit cut a
slow answer short) compares with the slow thing itself, not with a goal.
"""

from __future__ import annotations

import os

#: ``make harden``: the hardening suite in full, one test at a time.
ALONE = os.environ.get("DX_HARDEN", "").lower() == "full"
#: How much slower than its goal a step may be while the tests share the machine.
SHARED = 10.0


def within(goal: float) -> float:
    """The bound a timed assertion uses for ``goal`` seconds (see the module docstring)."""
    return goal if ALONE else goal * SHARED
