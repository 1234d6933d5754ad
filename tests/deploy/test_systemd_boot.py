"""The units of deploy/systemd/ really run the site, under a real systemd, as the guide says.

``systemd-analyze`` (test_systemd.py) reads the units; this boots them: a systemd as PID 1
in a container (tests/support/nspawn.py) with the units as shipped in its ``/etc``, the
code and a venv at ``/opt/dx-lod/current`` as the deployment guide makes them, and an
empty state directory: a fresh install. Then, in that one container:

- the console starts first and makes the first release (its ``ExecStartPre=``), and both
  server instances start on it (``After=dx-lod-console.service``);
- the servers answer on their ports with ``/__heartbeat__`` 200 and the console's release
  in ``/__version__``; the console's sign-in page answers;
- the three metrics ports (9464, 9465, 9466) answer a scrape that prometheus_client's own
  parser reads;
- every process is confined as its unit says (dynamic user, no capabilities, no new
  privileges, a system call filter), the query workers work under every restriction (their
  own network namespace, their memory cap, fork + exec), and this systemd does refuse
  writable code (the control for ``MemoryDenyWriteExecute=``);
- an account made with the guide's ``as_console add-user`` signs in (argon2 under the
  console's hardening); a table uploaded and published through the console's API (a bearer
  token, as tests/console/test_api.py) is served by both instances without a restart or a
  reload, and a reload still works.

The venv is made with ``--without-pip`` from the system's Python of the same version (the
units hide /root and /home, where a test interpreter may live) and reaches the installed
packages through a ``.pth``; the code is this checkout's, linked into ``/opt/dx-lod/current``
(the units' working directory, first on ``sys.path``): the same code and wheels as the rest
of the suite.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.console.tables import FY2023, edited, set_cell
from tests.deploy.test_guide import sh_block
from tests.support import nspawn
from tests.support.timing import within

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
#: Where the container sees this checkout and the suite's installed packages: under /opt,
#: not at their own paths, which may be under /tmp (a CI clone), where PrivateTmp= hides them.
CHECKOUT = "/opt/dx-lod/checkout"
SITE_PACKAGES = "/opt/dx-lod/site-packages"
#: The second instance's port: the one nginx's second upstream names. Fixed ports are safe
#: here: the container has a network of its own.
SECOND = 8002
SERVERS = ("dx-lod", f"dx-lod@{SECOND}")
CONSOLE = "dx-lod-console"
#: Each unit's metrics port (the units', and the guide's instance file for the second).
METRICS = {"dx-lod": 9464, f"dx-lod@{SECOND}": 9465, CONSOLE: 9466}
#: Dynamic users' UIDs (systemd's DYNAMIC_UID_MIN … DYNAMIC_UID_MAX).
DYNAMIC_UIDS = range(61184, 65520)
TARGET = f"""[Unit]
Description=the units under test
Requires={CONSOLE}.service dx-lod.service dx-lod@{SECOND}.service
After={CONSOLE}.service dx-lod.service dx-lod@{SECOND}.service
# systemd-run (as_console, the control for MemoryDenyWriteExecute=) talks to systemd over D-Bus
Wants=dbus.socket
AllowIsolate=yes
"""
RESULTS = "Accept: application/sparql-results+json"
TURTLE = "Accept: text/turtle"
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
PUBLISHER, PASSWORD = "sato", "correct horse battery staple"
#: The project whose name the published table changes, and its page.
PROJECT = "/id/project/fy2023/1"
OLD_NAME, NEW_NAME = "職員研修事業（階層別研修事業）", "職員研修事業（起動試験で公開）"
#: Where the container finds the table to upload.
UPLOADS = "/srv/upload"


def _python_outside_home() -> Path:
    """An interpreter of this version that ProtectHome= does not hide."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for candidate in (Path(sys._base_executable).resolve(), Path("/usr/bin") / version):
        if candidate.exists() and candidate.parts[1] not in ("root", "home"):
            return candidate
    pytest.skip(f"no {version} outside /root and /home for the units' ProtectHome=")


def _site_packages() -> Path:
    """This suite's installed packages, where they really are (a worktree's .venv may be a
    link to another checkout's)."""
    found = Path(sysconfig.get_paths()["purelib"]).resolve()
    if found.parts[1] in ("root", "home"):
        pytest.skip(f"the test venv is under {found.parts[1]}, hidden by ProtectHome=")
    return found


def _app(app: Path) -> None:
    """``/opt/dx-lod/current`` as the guide makes it: the code (this checkout's, linked)
    and ``.venv``, reaching the installed packages."""
    app.mkdir()
    for name in ("converter", "server", "console", "data", "deploy", "pyproject.toml"):
        (app / name).symlink_to(f"{CHECKOUT}/{name}")
    venv = app / ".venv"
    subprocess.run(
        [str(_python_outside_home()), "-m", "venv", "--without-pip", str(venv)], check=True
    )
    (only,) = venv.glob("lib/python*/site-packages")
    (only / "dx-lod-tests.pth").write_text(
        f"import site; site.addsitedir({SITE_PACKAGES!r})\n", encoding="utf-8"
    )


def _etc(etc: Path) -> None:
    """The units, a target that starts all three, and the settings files."""
    system = etc / "systemd" / "system"
    system.mkdir(parents=True)
    for unit in UNITS.glob("*.service"):
        shutil.copy(unit, system / unit.name)
    (system / "dx-boot.target").write_text(TARGET, encoding="utf-8")
    settings = etc / "dx-lod"
    settings.mkdir()
    # Light: two instances on a shared 2-core machine (and the EnvironmentFile= path tested).
    # The memory bomb must reach its worker's cap before the time limit, on a loaded machine
    # too: the example's cap (1 GiB, not 2) and 30 s (a 2 GiB bomb once took over 10 s).
    (settings / "server.env").write_text(
        "WEB_CONCURRENCY=1\nDX_SPARQL_WORKERS=1\nDX_SPARQL_MEMORY_MB=1024\nDX_SPARQL_TIMEOUT=30\n",
        encoding="utf-8",
    )
    (settings / f"instance-{SECOND}.env").write_text("DX_METRICS_PORT=9465\n", encoding="utf-8")
    (settings / "console.env").write_text(
        "DX_CONSOLE_SITE_URL=http://127.0.0.1:8000/\nDX_CONSOLE_THREADS=4\n", encoding="utf-8"
    )


def test_the_units_run_the_site_under_systemd(tmp_path_factory: pytest.TempPathFactory) -> None:
    reason = nspawn.unavailable()
    if reason:
        pytest.skip(reason)
    work = tmp_path_factory.mktemp("boot")
    app, state, etc, uploads = work / "app", work / "state", work / "etc", work / "upload"
    site_packages = _site_packages()
    _app(app)
    state.mkdir()  # empty: a fresh install
    _etc(etc)
    uploads.mkdir()
    edited(
        FY2023,
        uploads / "dx-kpi-fy2023.csv",
        lambda t: set_cell(t, "1", "事業名又は取組名", NEW_NAME),
    )
    binds = {app: "/opt/dx-lod/current", state: "/var/lib/private/dx-lod", ROOT: CHECKOUT}
    binds[uploads] = UPLOADS
    binds[site_packages] = SITE_PACKAGES
    with nspawn.Container(
        work, etc=etc, unit="dx-boot.target", binds=binds, writable=[state], timeout=180.0
    ) as box:
        first = _the_first_release_is_served(box, state)
        _the_console_answers(box)
        _confined(box)
        _query_workers_work(box)
        _metrics_are_scraped(box)
        _write_execute_is_refused_here(box)
        token = _staff_sign_in(box)
        _a_publish_is_served_without_a_restart(box, state, token, first)
        _a_reload_still_works(box)
        servers = box.journal(*(f"-u{unit}.service" for unit in SERVERS))
        console = box.journal(f"-u{CONSOLE}.service")
    for journal in (servers, console):
        assert "Traceback" not in journal, journal[-3000:]
    assert "could not leave the network" not in servers, servers[-3000:]
    assert "cannot be served" not in servers, servers[-3000:]  # a release switch that failed


def _until(box: nspawn.Container, url: str, wanted: str, *headers: str) -> str:
    """The body of ``url`` once it holds ``wanted`` (a server starting, a release switch)."""
    deadline = time.monotonic() + within(30.0)
    while True:
        status, body = box.get(url, *headers)
        if status == 200 and wanted in body:
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"{url}: {status} {body[:300]!r}\n{box.journal()[-3000:]}")
        time.sleep(0.2)


def _live(state: Path) -> str:
    """The live release's id, as the console's link names it (``<id>/dist``)."""
    target = (state / "releases" / "current").readlink()
    assert target.name == "dist", target
    return target.parent.name


def _version(box: nspawn.Container, port: int) -> dict[str, object]:
    status, body = box.get(f"http://127.0.0.1:{port}/__version__")
    assert status == 200, (status, body[:300])
    release = json.loads(body)["release"]
    assert isinstance(release, dict)
    return release


def _the_first_release_is_served(box: nspawn.Container, state: Path) -> str:
    """A fresh install: the console made the first release from data/publication.toml
    before the servers started, and both serve it, ready."""
    first = _live(state)
    record = json.loads((state / "releases" / first / "release.json").read_text("utf-8"))
    assert record["user"] == "cli" and record["changes"]["first"] is True
    for port in (8000, SECOND):
        _until(box, f"http://127.0.0.1:{port}/", "<html")
        status, body = box.get(f"http://127.0.0.1:{port}/__heartbeat__")
        assert status == 200, (port, status, body[:300])
        assert _version(box, port)["id"] == first
    states = box.run("systemctl", "is-active", CONSOLE, *SERVERS).stdout.split()
    assert states == ["active"] * 3
    return first


def _the_console_answers(box: nspawn.Container) -> None:
    body = _until(box, "http://127.0.0.1:8001/login", 'name="csrf_token"')
    assert 'name="password"' in body


def _main_pid(box: nspawn.Container, unit: str) -> int:
    return int(box.run("systemctl", "show", "-p", "MainPID", "--value", unit).stdout)


def _status(box: nspawn.Container, pid: int) -> dict[str, str]:
    text = box.run("cat", f"/proc/{pid}/status").stdout
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


def _environ(box: nspawn.Container, unit: str) -> set[str]:
    return set(box.run("cat", f"/proc/{_main_pid(box, unit)}/environ").stdout.split("\0"))


def _confined(box: nspawn.Container) -> None:
    """Every service: a dynamic user (the same one), no capabilities, no new privileges,
    a system call filter; each has its own port and metrics port."""
    uids = set()
    for unit in (*SERVERS, CONSOLE):
        status = _status(box, _main_pid(box, unit))
        uids.add(int(status["Uid"].split()[0]))
        assert status["NoNewPrivs"] == "1"
        assert status["Seccomp"] == "2"  # a filter
        assert int(status["CapEff"], 16) == int(status["CapBnd"], 16) == 0
    (uid,) = uids  # one user: the console writes what the servers read
    assert uid in DYNAMIC_UIDS
    variables = _environ(box, f"dx-lod@{SECOND}")
    assert {f"PORT={SECOND}", "DX_METRICS_PORT=9465", "WEB_CONCURRENCY=1"} <= variables
    assert "DX_CONSOLE_THREADS=4" in _environ(box, CONSOLE)  # console.env is read


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


def _scrape(box: nspawn.Container, unit: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    """``{sample name: [(labels, value)]}`` of the unit's metrics port, as parsed by
    prometheus_client's own parser."""
    status, text = box.get(f"http://127.0.0.1:{METRICS[unit]}/metrics")
    assert status == 200, (unit, status, text[:300])
    samples: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text + "\n"):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, sample.value))
    return samples


def _digests(box: nspawn.Container) -> set[str]:
    """The data digest each instance's ``dx_build_info`` tells."""
    found = set()
    for unit in SERVERS:
        ((labels, value),) = _scrape(box, unit)["dx_build_info"]
        assert value == 1.0 and labels["digest"], labels
        found.add(labels["digest"])
    return found


def _metrics_are_scraped(box: nspawn.Container) -> None:
    """Each service's metrics port answers in the Prometheus text format, summing its
    workers (multi-process mode in the unit's PROMETHEUS_MULTIPROC_DIR)."""
    for unit in SERVERS:
        samples = _scrape(box, unit)
        pages = [v for labels, v in samples["dx_http_requests_total"] if labels["route"] == "/"]
        assert sum(pages) >= 1, samples["dx_http_requests_total"]
        assert samples["dx_sparql_query_slots"][0][1] > 0
    assert len(_digests(box)) == 1  # both serve the first release
    console = _scrape(box, CONSOLE)
    routes = {labels["route"] for labels, _ in console["dx_http_requests_total"]}
    assert "/login" in routes, routes
    for unit, directory in (("dx-lod", "dx-lod"), (CONSOLE, "dx-lod-console")):
        files = box.run("ls", f"/run/{directory}").stdout.split()
        assert any(name.endswith(".db") for name in files), (unit, files)


def _write_execute_is_refused_here(box: nspawn.Container) -> None:
    """The control for MemoryDenyWriteExecute=yes: this systemd and kernel do enforce it,
    so the services answering under it (above) means they need no writable code."""
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


def _as_console(box: nspawn.Container, *args: str, stdin: str = "") -> str:
    """A console command through the guide's own ``as_console`` (``--pipe`` for ``--pty``:
    no terminal here)."""
    function = sh_block("as_console() {").split("\n}\n", 1)[0] + "\n}\n"
    assert "--pty" in function
    script = function.replace("--pty", "--pipe") + 'as_console "$@"'
    done = subprocess.run(
        ["nsenter", "-t", str(box.pid), "-a", "bash", "-c", script, "as_console", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=within(120.0),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _curl(box: nspawn.Container, *args: str) -> tuple[int, str]:
    """curl inside the container: the status and the body."""
    done = box.run("curl", "-s", "-m", "120", "-w", "\n%{http_code}", *args, check=False)
    body, _, status = done.stdout.rpartition("\n")
    return int(status), body


def _staff_sign_in(box: nspawn.Container) -> str:
    """An account made as the guide says signs in through the form (the console checks its
    argon2id hash under its own hardening); returns an API token of it (made by
    Accounts.new_token as the console's user, as the Account page does)."""
    out = _as_console(
        box, "add-user", PUBLISHER, "--role", "publisher", stdin=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert f"OK: {PUBLISHER} (publisher)" in out
    jar = "/tmp/dx-boot-cookies"
    status, form = _curl(box, "-c", jar, "http://127.0.0.1:8001/login")
    found = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert status == 200 and found, (status, form[:300])
    status, _ = _curl(
        box,
        *("-b", jar, "-c", jar, "--data-urlencode", f"csrf_token={found.group(1)}"),
        *("--data-urlencode", f"name={PUBLISHER}", "--data-urlencode", f"password={PASSWORD}"),
        "http://127.0.0.1:8001/login",
    )
    assert status == 303, status
    status, home = _curl(box, "-b", jar, "http://127.0.0.1:8001/")
    assert status == 200 and PUBLISHER in home, (status, home[:300])
    code = (
        "from console.accounts import Accounts; from pathlib import Path; "
        f"print(Accounts(Path('/var/lib/dx-lod/console')).new_token({PUBLISHER!r}, 'boot'))"
    )
    token = _as_console_python(box, code)
    assert token.startswith("dxc_"), token
    return token


def _as_console_python(box: nspawn.Container, code: str) -> str:
    """Python code as the console's user, with its state directory (as ``as_console``)."""
    done = box.run(
        *("systemd-run", "--wait", "--pipe", "--quiet", "--collect"),
        *("-p", "DynamicUser=yes", "-p", "User=dx-lod", "-p", "StateDirectory=dx-lod"),
        *("-p", "StateDirectoryMode=0700", "-p", "UMask=0077"),
        *("-p", "WorkingDirectory=/opt/dx-lod/current"),
        *("-p", "Environment=PYTHONDONTWRITEBYTECODE=1"),
        *("/opt/dx-lod/current/.venv/bin/python", "-c", code),
    )
    return done.stdout.strip()


def _a_publish_is_served_without_a_restart(
    box: nspawn.Container, state: Path, token: str, first: str
) -> None:
    """A table uploaded and published through the console's API: its release becomes
    ``current``, and both instances serve it by themselves (the same main processes: no
    restart, no reload). On the way, the preview's /sparql runs (its worker keeps the
    network, as the console's unit says)."""
    pids = {unit: _main_pid(box, unit) for unit in SERVERS}
    for port in (8000, SECOND):
        _until(box, f"http://127.0.0.1:{port}{PROJECT}", OLD_NAME, TURTLE)
    bearer = f"Authorization: Bearer {token}"
    status, body = _curl(
        box,
        *("-H", bearer, "-F", f"table=@{UPLOADS}/dx-kpi-fy2023.csv"),
        "http://127.0.0.1:8001/api/v1/candidates",
    )
    assert status == 201, (status, body[:1000])
    candidate = json.loads(body)
    assert candidate["status"] == "checked" and candidate["base"] == first
    preview = f"http://127.0.0.1:8001/preview/{candidate['id']}"
    status, body = box.get(f"{preview}/sparql?query={quote('ASK {}')}", bearer, RESULTS)
    assert status == 200 and json.loads(body)["boolean"] is True, (status, body[:300])
    status, body = _curl(
        box,
        *("-H", bearer, "-H", "Content-Type: application/json"),
        *("-d", json.dumps({"reason": "起動試験 / boot test"})),
        f"http://127.0.0.1:8001/api/v1/candidates/{candidate['id']}/publish",
    )
    assert status == 200, (status, body[:1000])
    release = json.loads(body)["id"]
    assert _live(state) == release != first
    for port in (8000, SECOND):
        _until(box, f"http://127.0.0.1:{port}{PROJECT}", NEW_NAME, TURTLE)
        assert _version(box, port)["id"] == release
    assert {unit: _main_pid(box, unit) for unit in SERVERS} == pids
    assert len(_digests(box)) == 1
    console = box.journal(f"-u{CONSOLE}.service")
    assert "could not leave the network" in console  # the preview's worker, as the unit says


def _a_reload_still_works(box: nspawn.Container) -> None:
    """``systemctl reload`` (granian's SIGHUP: new workers, the port kept) is needed for
    no release, but still serves: the same release, ready."""
    before = _version(box, 8000)["id"]
    box.run("systemctl", "reload", "dx-lod")
    _until(box, "http://127.0.0.1:8000/__heartbeat__", '"ok"')
    assert _version(box, 8000)["id"] == before
    assert box.run("systemctl", "is-active", "dx-lod").stdout.strip() == "active"
