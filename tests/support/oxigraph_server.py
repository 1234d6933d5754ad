"""A real ``oxigraph serve`` on 127.0.0.1 for the remote-store tests.

By default the store's default graph is its own (empty) default graph, as on most stores:
``RemoteStore`` names the published graphs in every query and needs no union default graph.
``union_default_graph=True`` starts it with ``--union-default-graph`` to check that still works.
The server persists to ``workdir`` so that :meth:`OxigraphServer.stop` and
:meth:`OxigraphServer.start` simulate a store that goes down and comes back with its data.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

#: The CLI of the PyPI package ``oxigraph``, installed next to the interpreter.
OXIGRAPH = Path(sys.executable).parent / "oxigraph"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class OxigraphServer:
    """``oxigraph serve`` on a free port, as a context manager.

    :raises RuntimeError: (on start) the server exited or did not answer in ``startup_timeout``.
    """

    def __init__(
        self, workdir: Path, *, startup_timeout: float = 15.0, union_default_graph: bool = False
    ) -> None:
        self.workdir = Path(workdir)
        self.port = free_port()
        self.startup_timeout = startup_timeout
        self.union_default_graph = union_default_graph
        self._process: subprocess.Popen[bytes] | None = None
        self._log_path = self.workdir.with_name(self.workdir.name + ".oxigraph.log")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def query_url(self) -> str:
        return f"{self.base_url}/query"

    @property
    def update_url(self) -> str:
        return f"{self.base_url}/update"

    @property
    def store_url(self) -> str:
        """The SPARQL 1.1 Graph Store HTTP Protocol endpoint."""
        return f"{self.base_url}/store"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> OxigraphServer:
        """Start (again) on the same port and location; return once it answers HTTP."""
        if self.running:
            return self
        self.workdir.mkdir(parents=True, exist_ok=True)
        command = [
            str(OXIGRAPH),
            "serve",
            "--location",
            str(self.workdir),
            "--bind",
            f"127.0.0.1:{self.port}",
            *(["--union-default-graph"] if self.union_default_graph else []),
        ]
        with self._log_path.open("ab") as log:
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()  # never leave a process behind, even on Ctrl-C
            raise
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"oxigraph exited with {self._process.returncode}: "
                    f"{self._log_path.read_text(errors='replace')[-2000:]}"
                )
            try:
                with urllib.request.urlopen(self.base_url + "/", timeout=1.0) as response:
                    response.read()
                return
            except (urllib.error.URLError, OSError):
                time.sleep(0.05)
        raise RuntimeError(
            f"oxigraph did not answer on {self.base_url} within {self.startup_timeout} s"
        )

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL); the data stays in ``workdir``."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def __enter__(self) -> OxigraphServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
