"""How hard the hardening suite pushes: short in ``make test``, full in ``make harden``."""

from __future__ import annotations

from tests.support.timing import ALONE as FULL

__all__ = ["FULL", "scaled", "scaled_seconds"]


def scaled(short: int, full: int) -> int:
    """``full`` under ``make harden`` (``DX_HARDEN=full``), else ``short``."""
    return full if FULL else short


def scaled_seconds(short: float, full: float) -> float:
    """Like :func:`scaled`, for durations."""
    return full if FULL else short
