"""The console as ``make console`` runs it: ``python -m console`` (granian) in a process group
of its own, so that a test can kill all of it at once (SIGKILL), as a crash would."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.processes import free_port, log_tail, wait_until_answers

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class LiveConsole:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def kill(self) -> None:
        """SIGKILL to the console's whole process group (granian and its worker)."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)


@contextmanager
def live_console(env: dict[str, str], log: Path, *, timeout: float = 30.0) -> Iterator[LiveConsole]:
    """``python -m console`` on a free port of 127.0.0.1 with ``env`` added to the
    environment; stopped (the group killed) afterwards."""
    port = free_port()
    environ = {
        **os.environ,
        "DX_CONSOLE_HOST": "127.0.0.1",
        "DX_CONSOLE_PORT": str(port),
        "DX_METRICS_PORT": "0",  # no fixed port: a test that scrapes gives a free one
        **env,
    }
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "console"],
            cwd=ROOT,
            env=environ,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    console = LiveConsole(f"http://127.0.0.1:{port}", process, log)
    try:
        wait_until_answers(
            console.url + "/login",
            process,
            what="python -m console",
            timeout=timeout,
            detail=lambda: log_tail(log),
        )
        yield console
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                console.kill()
