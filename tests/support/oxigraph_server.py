"""A real ``oxigraph serve`` on 127.0.0.1 for the remote-store tests.

By default the store's default graph is its own (empty) default graph, as on most stores:
``RemoteStore`` names the published graphs in every query and needs no union default graph.
``union_default_graph=True`` starts it with ``--union-default-graph`` to check that still works.
The server persists to ``workdir`` so that :meth:`OxigraphServer.stop` and
:meth:`OxigraphServer.start` simulate a store that goes down and comes back with its data.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.support.processes import ServerProcess

#: The CLI of the PyPI package ``oxigraph``, installed next to the interpreter.
OXIGRAPH = Path(sys.executable).parent / "oxigraph"


class OxigraphServer(ServerProcess):
    """``oxigraph serve`` on a free port, as a context manager.

    :raises RuntimeError: (on start) the server exited or did not answer in ``startup_timeout``.
    """

    name = "oxigraph"

    def __init__(
        self, workdir: Path, *, startup_timeout: float = 15.0, union_default_graph: bool = False
    ) -> None:
        self.workdir = Path(workdir)
        super().__init__(
            self.workdir.with_name(self.workdir.name + ".oxigraph.log"),
            startup_timeout=startup_timeout,
        )
        self.union_default_graph = union_default_graph

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
    def ready_url(self) -> str:
        return self.base_url + "/"

    def before_start(self) -> None:
        """Starts (again) on the same port and location."""
        self.workdir.mkdir(parents=True, exist_ok=True)

    def command(self) -> list[str]:
        return [
            str(OXIGRAPH),
            "serve",
            "--location",
            str(self.workdir),
            "--bind",
            f"127.0.0.1:{self.port}",
            *(["--union-default-graph"] if self.union_default_graph else []),
        ]
