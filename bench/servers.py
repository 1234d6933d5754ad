"""The servers bench/http_bench.py measures, each started on 127.0.0.1 on a free port and
stopped (its whole process group) when its ``with`` block ends.

- ours: ``python -m server`` over the build, as the README runs it;
- oxigraph: ``oxigraph serve --union-default-graph`` over the same graphs (the SPARQL peer,
  and the store behind Trifid);
- trifid: Trifid 5.3 from bench/.trifid/ (scripts/install-bench-deps.sh), over that oxigraph;
- hello: bench/hello.py under our own granian command line (the stack's ceiling);
- nginx: a static file, only for the client self-check;
- wsgi(kind, app): ours or the hello world under each WSGI server (bench/wsgi_compare.py):
  granian exactly as ``python -m server`` runs it, gunicorn gthread or waitress with the
  same processes and threads.
"""

from __future__ import annotations

import http.client
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

ROOT = Path(__file__).resolve().parents[1]
TRIFID = ROOT / "bench" / ".trifid" / "node_modules" / "trifid" / "server.js"
BASE_IRI = "https://data.pref.fukushima.lg.jp/dx/"


@dataclass(frozen=True)
class Server:
    name: str
    port: int
    pid: int  #: the process whose tree is the server (for RSS)
    sparql: str | None = None  #: path of its SPARQL endpoint


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


def get(port: int, path: str, headers: dict[str, str] | None = None) -> Reply:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        conn.close()


def _wait(
    proc: subprocess.Popen[bytes], name: str, port: int, path: str, log: Path, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            get(port, path)
            return
        except (OSError, http.client.HTTPException):
            time.sleep(0.2)
    tail = log.read_text("utf-8", "replace")[-2000:]
    raise RuntimeError(f"{name}: no answer on 127.0.0.1:{port}{path}\n{tail}")


@contextmanager
def process(
    args: list[str], port: int, ready: str, env: dict[str, str] | None = None, timeout: float = 90
) -> Iterator[int]:
    """Start ``args`` in a session of its own, wait until ``ready`` answers, yield its pid;
    then stop its process group (granian's workers and our query workers die with it)."""
    with tempfile.NamedTemporaryFile(prefix="bench-log-", suffix=".txt") as log:
        proc = subprocess.Popen(
            args,
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,  # access logs: written, never read
            stderr=log,
            start_new_session=True,
        )
        try:
            _wait(proc, Path(args[0]).name, port, ready, Path(log.name), timeout)
            yield proc.pid
        finally:
            with suppress(ProcessLookupError):  # it may have died by itself
                os.killpg(proc.pid, 15)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
                proc.wait()


@contextmanager
def ours(dist: Path, env: Mapping[str, str] | None = None) -> Iterator[Server]:
    """``python -m server`` over ``dist``; ``env`` adds settings (``DX_SPARQL_…``, or
    ``DX_STORE_URL`` for a remote store: one in the bench's own environment is not used)."""
    port = free_port()
    inherited = {k: v for k, v in os.environ.items() if k != "DX_STORE_URL"}
    full = {**inherited, **(env or {}), "HOST": "127.0.0.1", "PORT": str(port)}
    full["DX_DIST_DIR"] = str(dist)
    with process([sys.executable, "-m", "server"], port, "/sparql", full) as pid:
        yield Server("ours", port, pid, "/sparql")


@contextmanager
def hello() -> Iterator[Server]:
    from server.__main__ import server_argv  # the exact command line ours runs
    from server.config import Settings

    settings, port = Settings.load(), free_port()
    argv = server_argv("127.0.0.1", port, settings.workers, max(1, settings.threads))
    spec = [i for i, arg in enumerate(argv) if arg.startswith("server.app:")]
    assert len(spec) == 1, f"no single app spec in {argv}"
    argv[spec[0]] = "bench.hello:app"
    argv.remove("--factory")  # hello's app is a module attribute, not a factory
    with process(argv, port, "/") as pid:
        yield Server("hello", port, pid)


def gunicorn_argv(bind: str, workers: int, threads: int) -> list[str]:
    """gunicorn gthread as ``python -m server`` ran it until granian measured better:
    ``workers`` processes of ``threads`` threads (keep-alive); the access log is the app's
    (server/wsgi/access_log.py), as under granian."""
    return [
        *(sys.executable, "-m", "gunicorn", "--bind", bind, "--worker-class", "gthread"),
        *("--workers", str(workers), "--threads", str(threads)),
    ]


WsgiKind = Literal["gunicorn", "granian", "waitress"]
WSGI_KINDS: tuple[WsgiKind, ...] = ("granian", "gunicorn", "waitress")
App = Literal["ours", "hello"]
#: the app spec of each app: a factory (called once per worker process) or a module global
APPS: dict[App, tuple[str, bool]] = {
    "ours": ("server.app:create_served_app", True),
    "hello": ("bench.hello:app", False),
}


def wsgi_missing(kind: WsgiKind) -> str | None:
    """Why ``kind`` cannot run here, or None."""
    if kind != "granian" and importlib.util.find_spec(kind) is None:
        return f"{kind} is not installed (pip install -e '.[bench]')"
    return None


def waitress_argv(app: str, port: int, workers: int, threads: int, *, factory: bool) -> list[str]:
    """waitress has one process: as many threads as ours has in all."""
    return [
        *(sys.executable, "-m", "waitress", "--host=127.0.0.1", f"--port={port}"),
        f"--threads={workers * threads}",
        *(["--call"] if factory else []),
        app,
    ]


@contextmanager
def wsgi(
    kind: WsgiKind, app: App, dist: Path | None = None, env: Mapping[str, str] | None = None
) -> Iterator[Server]:
    """``app`` (ours over ``dist``, or the hello world) under the WSGI server ``kind``, named
    ``kind``. granian runs exactly as :func:`ours` and :func:`hello` run it; the others get
    the same processes and threads (``WEB_CONCURRENCY``, ``DX_THREADS``) and environment."""
    from server.config import Settings

    if kind == "granian":
        if app == "ours":
            assert dist is not None, "ours needs a build"
            with ours(dist, env) as server:
                yield replace(server, name=kind)
        else:
            with hello() as server:
                yield replace(server, name=kind)
        return
    full = {**os.environ, **(env or {})}
    if dist is not None:
        full["DX_DIST_DIR"] = str(dist)
    settings, port = Settings.load(environ=full), free_port()
    workers, threads = settings.workers, max(1, settings.threads)
    spec, factory = APPS[app]
    ready, sparql = ("/sparql", "/sparql") if app == "ours" else ("/", None)
    if kind == "gunicorn":
        bind = f"127.0.0.1:{port}"
        args = [*gunicorn_argv(bind, workers, threads), f"{spec}()" if factory else spec]
    else:
        args = waitress_argv(spec, port, workers, threads, factory=factory)
    with process(args, port, ready, full) as pid:
        yield Server(kind, port, pid, sparql)


@contextmanager
def oxigraph(dist: Path) -> Iterator[Server]:
    from converter.contract import Manifest

    binary = str(Path(sys.executable).parent / "oxigraph")
    with tempfile.TemporaryDirectory(prefix="bench-oxigraph-") as location:
        for iri, path in Manifest.read(dist).graph_files(dist).items():
            load = [binary, "load", "--location", location, "--file", str(path), "--graph", iri]
            subprocess.run(load, check=True, capture_output=True)
        port = free_port()
        args = [binary, "serve", "--location", location, "--bind", f"127.0.0.1:{port}"]
        with process([*args, "--union-default-graph"], port, "/query?query=ASK%7B%7D") as pid:
            yield Server("oxigraph", port, pid, "/query")


def trifid_missing() -> str | None:
    """Why Trifid cannot run here, or None."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not TRIFID.exists():
        return f"{TRIFID.relative_to(ROOT)} is missing (scripts/install-bench-deps.sh installs it)"
    return None


def trifid_version() -> str:
    package = TRIFID.parent / "package.json"
    return str(json.loads(package.read_text("utf-8")).get("version", "?"))


@contextmanager
def trifid(store: Server) -> Iterator[Server]:
    """Trifid's entity renderer over ``store``, with its SPARQL proxy at /query as shipped.

    Its best case, to be fair to it: it queries the store directly rather than through its
    own proxy (the shipped config's default), logs warnings only (the docker config logs
    every query at debug), and does not run the redirect query (``followRedirects`` off).
    """
    port, endpoint = free_port(), f"http://127.0.0.1:{store.port}{store.sparql}"
    config = {
        "server": {"logLevel": "warn", "listener": {"host": "127.0.0.1", "port": port}},
        "globals": {"datasetBaseUrl": BASE_IRI, "endpoints": {"default": {"url": endpoint}}},
        "plugins": {
            "entity-renderer": {"module": "@zazuko/trifid-entity-renderer"},
            "sparql-proxy": {
                "module": "@zazuko/trifid-plugin-sparql-proxy",
                "paths": "/query",
                "config": {"endpointUrl": endpoint},
            },
        },
    }
    with tempfile.NamedTemporaryFile("w", prefix="bench-trifid-", suffix=".json") as file:
        json.dump(config, file)
        file.flush()
        with process(["node", str(TRIFID), "-c", file.name], port, "/query?query=ASK%7B%7D") as pid:
            yield Server("trifid", port, pid)


def nginx_binary() -> str | None:
    return shutil.which("nginx") or (
        "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None
    )


@contextmanager
def nginx(dump: Path | None = None) -> Iterator[Server]:
    """nginx serving /hello.txt (and ``dump`` as /dump) from a temporary prefix: the fastest
    trivial server here."""
    binary = nginx_binary()
    assert binary, "nginx is not installed"
    with tempfile.TemporaryDirectory(prefix="bench-nginx-") as prefix:
        os.chmod(prefix, 0o755)  # its workers drop root for `nobody`, who must read the file
        (Path(prefix) / "hello.txt").write_text("Hello, World!")
        if dump is not None:
            shutil.copyfile(dump, Path(prefix) / "dump")
        port = free_port()
        temp = " ".join(
            f"{kind}_temp_path {prefix}/{kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (Path(prefix) / "nginx.conf").write_text(
            f"worker_processes auto; pid {prefix}/nginx.pid; error_log stderr error;\n"
            "events { worker_connections 4096; }\n"
            f"http {{ access_log off; {temp}\n"
            f"  server {{ listen 127.0.0.1:{port}; root {prefix}; }} }}\n"
        )
        args = [binary, "-p", prefix, "-c", f"{prefix}/nginx.conf", "-e", "stderr"]
        with process([*args, "-g", "daemon off;"], port, "/hello.txt") as pid:
            yield Server("nginx", port, pid)


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])  # the name may hold spaces
            children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        tree.append(todo.pop())
        todo.extend(children.get(tree[-1], []))
    return tree


def tree_pids(pid: int) -> set[int]:
    """The processes of ``pid``'s tree now (to tell whether one died or was replaced)."""
    return set(_tree(pid))


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by ``pid``'s tree."""
    ticks = 0
    for member in _tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def settle(pid: int, *, busy: float = 0.05, timeout: float = 15.0) -> float:
    """Wait until ``pid``'s tree uses under ``busy`` of a core; the seconds waited.

    When wrk stops, a slow server still works through the requests it had queued (Trifid
    at 100 connections for seconds); measured next, a peer would share the cores with it.
    """
    start = time.monotonic()
    before = cpu_seconds(pid)
    while time.monotonic() - start < timeout:
        time.sleep(0.25)
        now = cpu_seconds(pid)
        if now - before < busy * 0.25:
            break
        before = now
    return time.monotonic() - start


def tree_rss(pid: int) -> tuple[int, int, int, int]:
    """(sum of RSS, sum of PSS, number of processes, largest RSS) over ``pid``'s tree, KiB.

    RSS counts the pages that forked workers share once in every process, so its sum is an
    upper bound; PSS splits each shared page between its sharers, so its sum is the tree's.
    """
    rss, pss = [], []
    for member in _tree(pid):
        try:
            rss.append(_kib(Path(f"/proc/{member}/status"), "VmRSS:"))
            pss.append(_kib(Path(f"/proc/{member}/smaps_rollup"), "Pss:"))
        except OSError:
            continue
    return sum(rss), sum(pss), len(rss), max(rss, default=0)


def _kib(path: Path, key: str) -> int:
    line = next((x for x in path.read_text().splitlines() if x.startswith(key)), f"{key} 0")
    return int(line.split()[1])
