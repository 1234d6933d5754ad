"""The remote stores bench/remote_bench.py puts under our server, filled as in production.

Each store is a real server on 127.0.0.1 and a free port, started as the remote-store tests
start it (tests/support/: ``oxigraph serve`` without a union default graph, Virtuoso 7 with
its read-only public account and a publisher account) and filled by ``converter.publish``,
the path a release takes. :func:`new_digest_build` makes the build a republish needs to
change the digest the server keys its caches to.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from converter.contract import Manifest
from converter.publish import PublishReport, publish
from tests.support import virtuoso_server
from tests.support.oxigraph_server import OxigraphServer
from tests.support.virtuoso_server import PUBLISHER, VirtuosoServer

#: Seconds per request of a publish (the tests' 10 s is tight for Virtuoso on a busy machine).
PUBLISH_TIMEOUT = 60.0
#: The subject of the triple :func:`new_digest_build` adds (no page shows a ``urn:`` subject).
MARK = "urn:x-dx-bench:republish"


@dataclass(frozen=True)
class FilledStore:
    """A running store holding a published build."""

    name: str
    query_url: str  #: what the server reads (``DX_STORE_URL``)
    pid: int  #: the store's process (to let it settle between runs)
    publish: Callable[[Path], PublishReport]  #: publish another build into it


def virtuoso_missing() -> str | None:
    """Why Virtuoso cannot run here, or None."""
    return virtuoso_server.missing()


@contextmanager
def oxigraph(dist: Path, workdir: Path) -> Iterator[FilledStore]:
    """``oxigraph serve`` (.venv/bin/oxigraph) holding ``dist``."""
    with OxigraphServer(workdir / "oxigraph") as server:

        def into(build: Path) -> PublishReport:
            return publish(
                build,
                store_url=server.store_url,
                query_url=server.query_url,
                timeout=PUBLISH_TIMEOUT,
            )

        into(dist)
        yield FilledStore("oxigraph", server.query_url, _pid(server.pid), into)


@contextmanager
def virtuoso(dist: Path, workdir: Path) -> Iterator[FilledStore]:
    """Virtuoso Open Source 7 holding ``dist``, published as its publisher account (HTTP
    Digest) and read through the public ``/sparql``, as the README sets it up."""
    folder = workdir / "virtuoso"
    folder.mkdir(parents=True)
    with VirtuosoServer(folder) as server:

        def into(build: Path) -> PublishReport:
            user, password = PUBLISHER
            return publish(
                build,
                store_url=server.store_url,
                query_url=server.auth_url,
                update_url=server.update_url,
                timeout=PUBLISH_TIMEOUT,
                user=user,
                password=password,
            )

        into(dist)
        yield FilledStore("virtuoso", server.query_url, _pid(server.pid), into)


def _pid(pid: int | None) -> int:
    if pid is None:
        raise RuntimeError("the store stopped right after it started")
    return pid


def new_digest_build(dist: Path, out: Path, mark: str) -> Path:
    """A copy of ``dist`` into ``out`` whose smallest graph holds one more triple
    (``<urn:x-dx-bench:republish> <urn:x-dx-bench:mark> "mark"``), the manifest updated: the
    same pages, a new data digest. Different ``mark``s give different digests."""
    shutil.copytree(dist, out)
    manifest = Manifest.read(out)
    smallest = min(manifest.graphs, key=lambda g: g.triples)
    path = out / smallest.path
    with path.open("a", encoding="utf-8") as file:
        file.write(f'<{MARK}> <urn:x-dx-bench:mark> "{mark}" .\n')
    grown = replace(
        smallest,
        triples=smallest.triples + 1,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
    )
    graphs = tuple(grown if g is smallest else g for g in manifest.graphs)
    replace(manifest, graphs=graphs).write(out)  # its total counts the editions' triples
    return out
