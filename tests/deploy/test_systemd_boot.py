"""The units of deploy/systemd/ really run the server, under a real systemd.

``systemd-analyze`` (test_systemd.py) reads the units; this boots them: a systemd as PID 1
in a container (tests/support/nspawn.py) with the units as shipped in its ``/etc``, a venv
at ``/opt/dx-lod/current/.venv`` as the deployment guide makes it, and a release in the
state directory. Then ``dx-lod.service`` and ``dx-lod@8002.service`` must serve, confined as
the units say, with the query workers working under every restriction (their own network
namespace, their memory cap, fork + exec), and a reload must take a new release.

The venv is made with ``--without-pip`` from the system's Python of the same version (the
units hide /root and /home, where a test interpreter may live) and reaches this checkout's
installed packages through a ``.pth``: the same code and wheels as the rest of the suite.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.support import nspawn
from tests.support.fakedist import write_dist
from tests.support.timing import within

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
#: The second instance's port: the one nginx's second upstream names. Fixed ports are safe
#: here: the container has a network of its own.
SECOND = 8002
#: Dynamic users' UIDs (systemd's DYNAMIC_UID_MIN … DYNAMIC_UID_MAX).
DYNAMIC_UIDS = range(61184, 65520)
TARGET = f"""[Unit]
Description=the units under test
Requires=dx-lod.service dx-lod@{SECOND}.service
After=dx-lod.service dx-lod@{SECOND}.service
# systemd-run (the control for MemoryDenyWriteExecute=) talks to systemd over D-Bus
Wants=dbus.socket
AllowIsolate=yes
"""
RESULTS = "Accept: application/sparql-results+json"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
#: A query that doubles a string 30 times: 10 GiB, far past a worker's memory cap.
BOMB = (
    'SELECT (STRLEN(?s30) AS ?n) WHERE { BIND("0123456789" AS ?s0) '
    + " ".join(f"BIND(CONCAT(?s{i}, ?s{i}) AS ?s{i + 1})" for i in range(30))
    + " }"
)
#: Tries a writable and executable mapping: what MemoryDenyWriteExecute= forbids.
WX = (
    "import mmap\n"
    "try:\n"
    "    mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)\n"
    "    print('allowed')\n"
    "except OSError:\n"
    "    print('refused')\n"
)


def _python_outside_home() -> Path:
    """An interpreter of this version that ProtectHome= does not hide."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for candidate in (Path(sys._base_executable).resolve(), Path("/usr/bin") / version):
        if candidate.exists() and candidate.parts[1] not in ("root", "home"):
            return candidate
    pytest.skip(f"no {version} outside /root and /home for the units' ProtectHome=")


def _venv(app: Path) -> None:
    """``app/.venv`` as the guide makes it, reaching this checkout's installed packages."""
    site_packages = Path(sysconfig.get_paths()["purelib"])
    if site_packages.parts[1] in ("root", "home"):
        pytest.skip(f"the test venv is under {site_packages.parts[1]}, hidden by ProtectHome=")
    venv = app / ".venv"
    subprocess.run(
        [str(_python_outside_home()), "-m", "venv", "--without-pip", str(venv)], check=True
    )
    (only,) = venv.glob("lib/python*/site-packages")
    (only / "dx-lod-tests.pth").write_text(
        f"import site; site.addsitedir({str(site_packages)!r})\n", encoding="utf-8"
    )


def _etc(etc: Path) -> None:
    """The units, a target that starts both instances, and the settings files."""
    system = etc / "systemd" / "system"
    system.mkdir(parents=True)
    for unit in UNITS.glob("*.service"):
        shutil.copy(unit, system / unit.name)
    (system / "dx-boot.target").write_text(TARGET, encoding="utf-8")
    settings = etc / "dx-lod"
    settings.mkdir()
    # Light: two instances on a shared 2-core machine (and the EnvironmentFile= path tested).
    (settings / "server.env").write_text(
        "WEB_CONCURRENCY=1\nDX_SPARQL_WORKERS=1\n", encoding="utf-8"
    )
    (settings / f"instance-{SECOND}.env").write_text("DX_METRICS_PORT=9465\n", encoding="utf-8")


def _switch(state: Path, release: str) -> None:
    """Point ``current`` at ``releases/<release>`` atomically, as the guide does."""
    link = state / "current.new"
    link.unlink(missing_ok=True)
    link.symlink_to(f"releases/{release}")
    os.replace(link, state / "current")


def test_the_units_run_the_server_under_systemd(
    dist_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    reason = nspawn.unavailable()
    if reason:
        pytest.skip(reason)
    work = tmp_path_factory.mktemp("boot")
    app, state, etc = work / "app", work / "state", work / "etc"
    _venv(app)
    shutil.copytree(dist_dir, state / "releases" / "r1")
    _switch(state, "r1")
    _etc(etc)
    binds = {app: "/opt/dx-lod/current", state: "/var/lib/private/dx-lod", ROOT: str(ROOT)}
    with nspawn.Container(
        work, etc=etc, unit="dx-boot.target", binds=binds, writable=[state]
    ) as box:
        _both_instances_serve(box)
        _confined(box)
        _query_workers_work(box)
        _write_execute_is_refused_here(box)
        _reload_takes_a_new_release(box, state)
        journal = box.journal("-u", "dx-lod.service", "-u", f"dx-lod@{SECOND}.service")
    assert "Traceback" not in journal, journal[-3000:]
    assert "could not leave the network" not in journal, journal[-3000:]


def _until(box: nspawn.Container, url: str, wanted: str, *headers: str) -> str:
    """The body of ``url`` once it holds ``wanted`` (a server starting, a reload)."""
    deadline = time.monotonic() + within(30.0)
    while True:
        status, body = box.get(url, *headers)
        if status == 200 and wanted in body:
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"{url}: {status} {body[:300]!r}\n{box.journal()[-3000:]}")
        time.sleep(0.2)


def _both_instances_serve(box: nspawn.Container) -> None:
    for port in (8000, SECOND):
        _until(box, f"http://127.0.0.1:{port}/", "<html")
    states = box.run("systemctl", "is-active", "dx-lod", f"dx-lod@{SECOND}").stdout.split()
    assert states == ["active", "active"]


def _main_pid(box: nspawn.Container, unit: str) -> int:
    return int(box.run("systemctl", "show", "-p", "MainPID", "--value", unit).stdout)


def _status(box: nspawn.Container, pid: int) -> dict[str, str]:
    text = box.run("cat", f"/proc/{pid}/status").stdout
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


def _confined(box: nspawn.Container) -> None:
    """Every process of the server: a dynamic user, no capabilities, no new privileges,
    a system call filter; the second instance has its own port and metrics port."""
    for unit in ("dx-lod", f"dx-lod@{SECOND}"):
        status = _status(box, _main_pid(box, unit))
        assert int(status["Uid"].split()[0]) in DYNAMIC_UIDS, status["Uid"]
        assert status["NoNewPrivs"] == "1"
        assert status["Seccomp"] == "2"  # a filter
        assert int(status["CapEff"], 16) == int(status["CapBnd"], 16) == 0
    environ = box.run("cat", f"/proc/{_main_pid(box, f'dx-lod@{SECOND}')}/environ").stdout
    variables = set(environ.split("\0"))
    assert {f"PORT={SECOND}", "DX_METRICS_PORT=9465", "WEB_CONCURRENCY=1"} <= variables


def _query_workers_work(box: nspawn.Container) -> None:
    """A query runs in a worker that left the network and has a memory cap; a query past
    the cap costs that worker only (503), and the next query is answered."""
    base = "http://127.0.0.1:8000/sparql?query="
    _until(box, base + quote(COUNT), '"n"', RESULTS)
    workers = box.run("pgrep", "-f", "server.stores.worker").stdout.split()
    assert workers, "no query worker"
    main = _main_pid(box, "dx-lod")
    server_net = box.run("readlink", f"/proc/{main}/ns/net").stdout
    for pid in workers:
        assert box.run("readlink", f"/proc/{pid}/ns/net").stdout != server_net
        limits = box.run("cat", f"/proc/{pid}/limits").stdout
        cap = re.search(r"Max address space\s+(\S+)", limits)
        assert cap and cap.group(1) != "unlimited", limits
    status, body = box.get(base + quote(BOMB), RESULTS)
    assert status == 503 and "memory" in body, (status, body[:300])
    status, body = box.get(base + quote("ASK {}"), RESULTS)
    assert status == 200 and json.loads(body)["boolean"] is True, (status, body)


def _write_execute_is_refused_here(box: nspawn.Container) -> None:
    """The control for MemoryDenyWriteExecute=yes: this systemd and kernel do enforce it,
    so the server answering under it (above) means it needs no writable code."""
    python = f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}"
    if not Path(python).exists():
        python = "/usr/bin/python3"
    results = {}
    for setting in ("yes", "no"):
        done = box.run(
            *("systemd-run", "--wait", "--pipe", "--quiet", "-p", "DynamicUser=yes"),
            *("-p", f"MemoryDenyWriteExecute={setting}", python, "-c", WX),
        )
        results[setting] = done.stdout.strip()
    assert results == {"yes": "refused", "no": "allowed"}


def _reload_takes_a_new_release(box: nspawn.Container, state: Path) -> None:
    """``systemctl reload`` (granian's SIGHUP: new workers) serves the release that
    ``current`` names now; the other instance keeps its own until it is reloaded."""
    write_dist(state / "releases" / "r2", value="95.5")  # another KPI 2: its name differs
    _switch(state, "r2")
    box.run("systemctl", "reload", "dx-lod")
    turtle = "Accept: text/turtle"
    _until(box, "http://127.0.0.1:8000/id/kpi/2", "行政手続のオンライン化率", turtle)
    _, other = box.get(f"http://127.0.0.1:{SECOND}/id/kpi/2", turtle)
    assert "県及び市町村の行政手続のオンライン利用率" in other  # r1's
    box.run("systemctl", "reload", f"dx-lod@{SECOND}")
    _until(box, f"http://127.0.0.1:{SECOND}/id/kpi/2", "行政手続のオンライン化率", turtle)
