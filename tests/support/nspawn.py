"""A real systemd as PID 1 in a throw-away container, to run the units of deploy/systemd/.

The host here may have no systemd of its own (a container, a CI runner): ``systemd-nspawn``
(Debian's ``systemd-container``) boots the host's own ``/usr`` (read-only) with a tmpfs root,
``/etc`` as an overlay whose upper layer is a test directory (the units and settings the
test puts there; the host's ``/etc`` is never written), a private network (the units' fixed
ports are the container's own: no clash with anything on the host) and the default unit
the test names. Nothing it does reaches the host but through the directories bound in.

nspawn keeps its container in the cgroup it starts in (``--keep-unit``: no D-Bus, no
machined); each boot starts in a cgroup of its own, so that its leftovers are removed and
its processes found and stopped even if it hangs.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

from tests.support.proctree import descendants
from tests.support.timing import within

NSPAWN = "systemd-nspawn"


def unavailable() -> str | None:
    """Why a container cannot be booted here (``None`` if it can)."""
    if os.geteuid() != 0:
        return "booting systemd in a container needs root"
    if shutil.which(NSPAWN) is None:
        return "systemd-nspawn is missing: run scripts/install-system-deps.sh"
    return None


def _own_cgroups(token: str) -> list[Path]:
    """A new cgroup below ours in each hierarchy systemd uses (cgroup v2, v1 name=systemd)."""
    made = []
    for line in Path("/proc/self/cgroup").read_text(encoding="ascii").splitlines():
        number, controllers, path = line.split(":", 2)
        if controllers == "name=systemd":
            base = Path("/sys/fs/cgroup/systemd")
        elif number == "0" and controllers == "":
            unified = Path("/sys/fs/cgroup/unified")
            base = unified if unified.is_dir() else Path("/sys/fs/cgroup")
        else:
            continue
        cgroup = base / path.lstrip("/") / f"dx-boot-{token}"
        cgroup.mkdir()
        made.append(cgroup)
    return made


def _cgroup_pids(cgroup: Path) -> list[int]:
    pids = []
    for procs in cgroup.rglob("cgroup.procs"):
        try:
            pids += [int(p) for p in procs.read_text(encoding="ascii").split()]
        except OSError:  # removed meanwhile
            continue
    return pids


def _remove_cgroup(cgroup: Path) -> None:
    """Stop what is left in ``cgroup`` and remove it, deepest first."""
    deadline = time.monotonic() + within(10.0)
    while cgroup.exists():
        for pid in _cgroup_pids(cgroup):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for directory in sorted(
            (p for p in cgroup.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)
        ):
            try:
                directory.rmdir()
            except OSError:
                pass
        try:
            cgroup.rmdir()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _init_below(pid: int) -> int:
    """The container's PID 1 (``systemd``) below nspawn's process ``pid``, or 0 (not yet)."""
    for found in descendants(pid)[1:]:
        try:
            if Path(f"/proc/{found}/comm").read_text(encoding="utf-8").strip() == "systemd":
                return found
        except OSError:  # gone meanwhile (nspawn's intermediate child)
            continue
    return 0


class Container:
    """``systemd-nspawn -b`` of the host's ``/usr`` with ``etc`` over ``/etc``, as a context
    manager that returns once ``unit`` is active (and powers the container off after).

    ``binds`` maps host paths to container paths (read-only unless the path is in
    ``writable``). ``etc`` is the overlay's upper directory: what the test writes there is
    what the container's ``/etc`` has beyond the host's.

    :raises RuntimeError: the container exited, or ``unit`` failed or was not active in time.
    """

    def __init__(
        self,
        work: Path,
        *,
        etc: Path,
        unit: str,
        binds: dict[Path, str],
        writable: Sequence[Path] = (),
        timeout: float = 60.0,
    ) -> None:
        self.work, self.etc, self.unit = work, etc, unit
        self.binds, self.writable, self.timeout = binds, set(writable), timeout
        self.console = work / "console.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._cgroups: list[Path] = []
        self.pid = 0  #: the container's PID 1 as the host sees it

    def _root(self) -> Path:
        """An empty root: mount points, merged-/usr links, and os-release (nspawn's check)."""
        root = self.work / "root"
        for name in ("usr", "etc", "dev", "proc", "sys", "run", "tmp", "var", "opt"):
            (root / name).mkdir(parents=True, exist_ok=True)
        for name in ("bin", "lib", "lib64", "sbin"):
            if (Path("/") / name).is_symlink():
                (root / name).symlink_to(f"usr/{name}")
        shutil.copy("/usr/lib/os-release", root / "etc" / "os-release")
        (self.etc / "machine-id").write_text(uuid.uuid4().hex + "\n", encoding="ascii")
        return root

    def command(self, root: Path) -> list[str]:
        binds = [
            f"--bind{'' if host in self.writable else '-ro'}={host}:{inside}"
            for host, inside in self.binds.items()
        ]
        return [
            NSPAWN,
            *("-D", str(root), "--register=no", "--keep-unit", "--link-journal=no"),
            *("--private-network", "--bind-ro=/usr", f"--overlay=/etc:{self.etc}:/etc"),
            *binds,
            *("-b", "--", f"systemd.unit={self.unit}"),
        ]

    def __enter__(self) -> Self:
        root = self._root()
        self._cgroups = _own_cgroups(uuid.uuid4().hex[:12])
        cgroups = [str(c / "cgroup.procs") for c in self._cgroups]

        def enter_cgroups() -> None:  # in the child, before nspawn runs
            for procs in cgroups:
                with open(procs, "w", encoding="ascii") as out:
                    out.write(str(os.getpid()))

        with self.console.open("wb") as console:
            self._process = subprocess.Popen(
                self.command(root),
                stdin=subprocess.DEVNULL,
                stdout=console,
                stderr=subprocess.STDOUT,
                preexec_fn=enter_cgroups,  # before any thread of the child exists
            )
        try:
            self._wait_for_boot()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_for_boot(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + within(self.timeout)
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"systemd-nspawn exited: {self.console_text()[-2000:]}")
            if not self.pid:
                self.pid = _init_below(self._process.pid)
            if self.pid:
                state = self.run("systemctl", "is-active", self.unit, check=False).stdout.strip()
                if state == "active":
                    return
                if state == "failed":
                    raise RuntimeError(f"{self.unit} failed: {self.journal()[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.unit} not active in time: {self.console_text()[-2000:]}")
            time.sleep(0.2)

    def run(
        self, *command: str, check: bool = True, timeout: float = 60.0
    ) -> subprocess.CompletedProcess[str]:
        """``command`` inside the container (all its namespaces), its output as text.

        :raises AssertionError: ``check`` and the command failed (with what it said).
        """
        done = subprocess.run(
            ["nsenter", "-t", str(self.pid), "-a", *command],
            capture_output=True,
            text=True,
            timeout=within(timeout),
        )
        if check and done.returncode != 0:
            raise AssertionError(f"{command} exited {done.returncode}: {done.stderr[-2000:]}")
        return done

    def get(self, url: str, *headers: str) -> tuple[int, str]:
        """GET ``url`` from inside the container (its network): status and body (status 0:
        no answer, e.g. nothing listens yet)."""
        args = [arg for header in headers for arg in ("-H", header)]
        done = self.run("curl", "-s", "-m", "30", "-w", "\n%{http_code}", *args, url, check=False)
        body, _, status = done.stdout.rpartition("\n")
        return int(status), body

    def journal(self, *args: str) -> str:
        return self.run("journalctl", "--no-pager", "-o", "short", *args, check=False).stdout

    def console_text(self) -> str:
        return self.console.read_text(encoding="utf-8", errors="replace")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        process, self._process = self._process, None
        try:
            if process is not None and process.poll() is None:
                if self.pid:
                    self.run("systemctl", "poweroff", check=False)
                try:
                    process.wait(timeout=within(20.0))
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
        finally:
            for cgroup in self._cgroups:
                _remove_cgroup(cgroup)
