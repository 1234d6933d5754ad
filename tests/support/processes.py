"""Child processes that serve HTTP on 127.0.0.1, for tests: start, wait until they answer, stop.

:func:`free_port`, :func:`wait_until_answers` and :func:`stop_process` are the pieces;
:class:`ServerProcess` puts them together for a server that a test stops and starts again
on the same port (the real stores in ``oxigraph_server.py`` and ``virtuoso_server.py``).
"""

from __future__ import annotations

import http.client
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Self


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answers(url: str, *, any_status: bool = False) -> bool:
    """Whether ``url`` answers a GET now: with a 2xx, or with any status if ``any_status``."""
    try:
        with urllib.request.urlopen(url, timeout=1.0) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        exc.close()
        return any_status
    except (OSError, http.client.HTTPException):  # refused, reset, timed out, half an answer
        return False
    return True


def wait_until_answers(
    url: str,
    process: subprocess.Popen[bytes],
    *,
    what: str,
    timeout: float,
    detail: Callable[[], str] = lambda: "",
    any_status: bool = False,
) -> None:
    """Return once ``url`` answers (see :func:`answers`).

    :raises RuntimeError: ``process`` exited first, or ``timeout`` seconds passed; the message
        names ``what`` and ends with ``detail()`` (the end of its log, say).
    """
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}: {detail()}")
        if answers(url, any_status=any_status):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not answer on {url} within {timeout} s: {detail()}")
        time.sleep(0.05)


def stop_process(process: subprocess.Popen[bytes], *, timeout: float = 10.0) -> None:
    """SIGTERM, ``timeout`` seconds to exit, then SIGKILL; reaps the process in any case."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def log_tail(path: Path, chars: int = 2000) -> str:
    """The last ``chars`` characters of the log at ``path`` ("" if there is none)."""
    return path.read_text(errors="replace")[-chars:] if path.exists() else ""


class ServerProcess:
    """A server as a child process with its output in a log file, as a context manager.

    It listens on :attr:`port`, a free port picked once, so that it comes back where it was.
    :meth:`start` (again) returns once :attr:`ready_url` answers with a 2xx; :meth:`stop` ends
    it and keeps whatever it wrote to disk, so that stop and start simulate a server that goes
    down and comes back. Subclasses give :meth:`command` and :attr:`ready_url`, and may
    prepare before and finish after a start (:meth:`before_start`, :meth:`after_ready`).

    :raises RuntimeError: (on start) the server exited or did not answer in ``startup_timeout``.
    """

    #: What error messages call the server.
    name = "server"
    #: Seconds the server has to exit on SIGTERM before it gets SIGKILL.
    stop_timeout = 5.0

    def __init__(self, log_path: Path, *, startup_timeout: float, cwd: Path | None = None) -> None:
        self.port = free_port()
        self.startup_timeout = startup_timeout
        self._log_path = log_path
        self._cwd = cwd
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        raise NotImplementedError

    @property
    def ready_url(self) -> str:
        raise NotImplementedError

    def before_start(self) -> None:
        """Called before each start (the process does not run)."""

    def after_ready(self) -> None:
        """Called after each start, once :attr:`ready_url` answers."""

    def log(self) -> str:
        """The end of the server's output, for error messages."""
        return log_tail(self._log_path)

    @property
    def pid(self) -> int | None:
        """The running process's id (None: not running), e.g. to read its CPU time."""
        return self._process.pid if self.running and self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> Self:
        if self.running:
            return self
        self.before_start()
        with self._log_path.open("ab") as log:
            self._process = subprocess.Popen(
                self.command(), cwd=self._cwd, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            wait_until_answers(
                self.ready_url,
                self._process,
                what=self.name,
                timeout=self.startup_timeout,
                detail=self.log,
            )
            self.after_ready()
        except BaseException:
            self.stop()  # never leave a process behind, even on Ctrl-C
            raise
        return self

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL); what it wrote to disk stays."""
        process, self._process = self._process, None
        if process is not None:
            stop_process(process, timeout=self.stop_timeout)

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would: no chance to clean up."""
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait(timeout=10)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
