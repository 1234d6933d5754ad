"""A real Virtuoso Open Source 7 (Debian ``virtuoso-opensource-7-bin``) on 127.0.0.1.

Like :class:`tests.support.oxigraph_server.OxigraphServer`: a fresh database in ``workdir``,
``virtuoso-t +foreground`` as a child process, two free ports (SQL/ODBC and HTTP), both bound
to 127.0.0.1 only (no Unix socket, no other listener), and :meth:`VirtuosoServer.stop` /
:meth:`VirtuosoServer.start` to simulate a store that goes down and comes back with its data.

Two accounts, as the README's set-up has them. The public ``/sparql`` (what the server
reads, :attr:`VirtuosoServer.query_url`) and ``/sparql-graph-crud`` run as the SQL user
``SPARQL``, which may only read: a fresh database grants it nothing more, so even a
``bif:exec`` that reached the store could not write. Publishing goes through the
authenticated endpoints ``/sparql-auth`` (queries and updates) and ``/sparql-graph-crud-auth``
(the SPARQL 1.1 Graph Store HTTP Protocol) as the user :data:`PUBLISHER`, created with
``DB.DBA.USER_CREATE`` and ``GRANT SPARQL_UPDATE`` (through ``isql-vt`` as dba/dba on the SQL
port). Those endpoints speak HTTP Digest only; this module's own requests use the standard
library's ``HTTPDigestAuthHandler``, ``converter.publish`` its own client.

A fresh database takes about 5 s to create (a restart about 3 s), so the tests start one
server per session (per xdist worker) and call :meth:`VirtuosoServer.reset` between tests.
"""

from __future__ import annotations

import http.client
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from pathlib import Path

from tests.support.processes import ServerProcess, free_port, log_tail

#: Debian's names (the upstream build's ``isql`` is not looked for: unixODBC has one too).
VIRTUOSO_NAMES = ("virtuoso-t",)
ISQL_NAMES = ("isql-vt",)
INSTALL_HINT = "run scripts/install-system-deps.sh (apt-get install virtuoso-opensource-7-bin)"
GRAPHS_QUERY = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
#: The account that publishes (a throw-away database's; never a real password).
PUBLISHER = ("dxpublish", "dx-Publish-7est")

INI = """\
; Written by tests/support/virtuoso_server.py: one throw-away database, 127.0.0.1 only.
[Database]
DatabaseFile       = {dir}/virtuoso.db
ErrorLogFile       = {dir}/virtuoso.log
LockFile           = {dir}/virtuoso.lck
TransactionFile    = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {dir}/virtuoso-temp.db
TransactionFile    = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort           = 127.0.0.1:{sql_port}
DisableUnixSocket    = 1
DisableTcpSocket     = 0
MaxClientConnections = 10
CheckpointInterval   = 60
CaseMode             = 2
DirsAllowed          = .
NumberOfBuffers      = 4000
MaxDirtyBuffers      = 3000
ThreadsPerQuery      = 2
AsyncQueueMaxThreads = 4

[HTTPServer]
ServerPort           = 127.0.0.1:{http_port}
ServerRoot           = {dir}/www
MaxClientConnections = 10
ServerThreads        = 10
MaxKeepAlives        = 10
KeepAliveTimeout     = 10
EnabledDavVSP        = 0
HTTPProxyEnabled     = 0
Charset              = UTF-8

[SPARQL]
ResultSetMaxRows           = 100000
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime      = 60
"""


def find_program(names: Iterable[str]) -> str | None:
    for name in names:
        found = shutil.which(name) or shutil.which(name, path="/usr/bin:/usr/local/bin")
        if found:
            return found
    return None


def missing() -> str | None:
    """Why Virtuoso cannot be started here (None: it can)."""
    if find_program(VIRTUOSO_NAMES) is None:
        return f"Virtuoso (virtuoso-t) is not installed: {INSTALL_HINT}"
    if find_program(ISQL_NAMES) is None:
        return f"Virtuoso's isql (isql-vt) is not installed: {INSTALL_HINT}"
    return None


class VirtuosoServer(ServerProcess):
    """``virtuoso-t`` on two free 127.0.0.1 ports, as a context manager.

    :raises RuntimeError: (on start) not installed, the server exited, or it did not answer
        within ``startup_timeout``.
    """

    name = "virtuoso-t"
    stop_timeout = 15.0  # SIGTERM: Virtuoso's quick shutdown

    def __init__(self, workdir: Path, *, startup_timeout: float = 60.0) -> None:
        self.workdir = Path(workdir)
        super().__init__(
            self.workdir / "virtuoso.out", startup_timeout=startup_timeout, cwd=self.workdir
        )
        self.sql_port = free_port()
        while self.sql_port == self.port:
            self.sql_port = free_port()
        #: The graphs a fresh database holds (Virtuoso's own: virtrdf#, ldp#, its service
        #: description); known after the first start, kept by :meth:`reset`.
        self.system_graphs: frozenset[str] = frozenset()
        self._ini = self.workdir / "virtuoso.ini"
        self._fresh = False

    @property
    def query_url(self) -> str:
        return f"{self.base_url}/sparql"

    @property
    def auth_url(self) -> str:
        """Queries and updates of the publisher account (HTTP Digest)."""
        return f"{self.base_url}/sparql-auth"

    @property
    def update_url(self) -> str:
        """Virtuoso takes SPARQL Update on its query endpoint: the authenticated one."""
        return self.auth_url

    @property
    def store_url(self) -> str:
        """The SPARQL 1.1 Graph Store HTTP Protocol endpoint of the publisher (Digest)."""
        return f"{self.base_url}/sparql-graph-crud-auth"

    @property
    def public_store_url(self) -> str:
        """The Graph Store endpoint as the read-only account ``SPARQL``."""
        return f"{self.base_url}/sparql-graph-crud"

    @property
    def ready_url(self) -> str:
        return self.query_url + "?" + urllib.parse.urlencode({"query": "ASK {}"})

    def before_start(self) -> None:
        """Starts (again) on the same ports and database; a fresh one gets its ini first."""
        reason = missing()
        if reason is not None:
            raise RuntimeError(reason)
        self._fresh = not (self.workdir / "virtuoso.db").exists()
        if self._fresh:
            (self.workdir / "www").mkdir(parents=True, exist_ok=True)
            self._ini.write_text(
                INI.format(dir=self.workdir, sql_port=self.sql_port, http_port=self.port),
                encoding="utf-8",
            )

    def command(self) -> list[str]:
        return [str(find_program(VIRTUOSO_NAMES)), "+foreground", "+configfile", str(self._ini)]

    def after_ready(self) -> None:
        if self._fresh:
            user, password = PUBLISHER
            self.sql(
                f"DB.DBA.USER_CREATE('{user}', '{password}'); GRANT SPARQL_UPDATE TO \"{user}\";"
            )
            self.system_graphs = frozenset(self.graphs())

    def log(self) -> str:
        """The end of Virtuoso's console output and of its own log."""
        tails = (log_tail(p, 1500) for p in (self._log_path, self.workdir / "virtuoso.log"))
        return "\n".join(tail for tail in tails if tail)

    def sql(self, statements: str, *, attempts: int = 50) -> str:
        """Run SQL as dba through ``isql-vt`` on the SQL port (it may open after HTTP)."""
        isql = find_program(ISQL_NAMES)
        if isql is None:
            raise RuntimeError(missing())
        command = [isql, f"127.0.0.1:{self.sql_port}", "dba", "dba", f"exec={statements}"]
        for _ in range(attempts):
            done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
            if done.returncode == 0 and "*** Error" not in done.stdout + done.stderr:
                return done.stdout
            if "Connect failed" not in done.stdout + done.stderr:
                break
            time.sleep(0.1)
        raise RuntimeError(f"isql {statements!r} failed: {done.stdout}{done.stderr}")

    def graphs(self) -> list[str]:
        """Every graph that holds a triple (Virtuoso has no empty graphs)."""
        request = urllib.request.Request(
            self.query_url,
            data=urllib.parse.urlencode({"query": GRAPHS_QUERY}).encode(),
            headers={"Accept": "text/csv"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            lines = response.read().decode("utf-8").splitlines()[1:]
        return [line.strip().strip('"') for line in lines if line.strip()]

    def urlopen(
        self, request: urllib.request.Request, timeout: float = 30
    ) -> http.client.HTTPResponse:
        """Open ``request`` as the publisher (HTTP Digest, the standard library's)."""
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, self.base_url, *PUBLISHER)
        opener = urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(passwords))
        response: http.client.HTTPResponse = opener.open(request, timeout=timeout)
        return response

    def update(self, text: str) -> None:
        """Run SPARQL Update as the publisher."""
        request = urllib.request.Request(
            self.update_url,
            data=urllib.parse.urlencode({"update": text}).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        try:
            with self.urlopen(request) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:500]
            exc.close()
            raise RuntimeError(f"{self.update_url}: {text!r} failed: {detail}") from exc

    def reset(self) -> None:
        """Back to a fresh database's graphs: drop every graph a test wrote (running first)."""
        self.start()
        extra = [g for g in self.graphs() if g not in self.system_graphs]
        if extra:
            self.update(";\n".join(f"DROP SILENT GRAPH <{g}>" for g in extra))
