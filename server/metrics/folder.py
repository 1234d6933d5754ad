"""The folder of the worker processes' metric files (prometheus_client's multi-process
mode). Apart from the metrics themselves: ``python -m server`` prepares it before anything
imports prometheus_client, which chooses its mode at its first import."""

from __future__ import annotations

import tempfile
from pathlib import Path

#: prometheus_client reads this variable when it is first imported.
MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def prepare_multiprocess_dir(configured: str | None) -> str:
    """The folder ``configured`` (a systemd RuntimeDirectory), else a new temporary one,
    made and emptied of metric files: files left by an earlier run would add its counts
    to this one's."""
    folder = configured or tempfile.mkdtemp(prefix="dx-lod-metrics-")
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    for old in path.glob("*.db"):
        old.unlink(missing_ok=True)
    return folder
