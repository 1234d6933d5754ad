"""The systemd units in deploy/systemd/, read by systemd's own tools.

``systemd-analyze verify`` loads each unit beside systemd's own units (a temporary root
with a copy of /usr/lib/systemd/system: the host may run no systemd) and must say nothing;
the programs a unit names exist there as stubs (the real ones come with the install: the
boot test, test_systemd_boot.py, runs them). ``systemd-analyze security --offline=true``
scores each unit; the score must stay at most what the README states.

systemd (Debian's ``systemd`` package, 252 in Debian 12) is a system package that
scripts/install-system-deps.sh installs when missing; without it these tests fail.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import fields
from pathlib import Path

import pytest

from console.config import ConsoleSettings
from server.config import Settings

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
NAMES = ["dx-lod.service", "dx-lod@.service", "dx-lod-console.service"]
README = ROOT / "README.md"
#: Variables that are not server settings and are meant so (PROMETHEUS_MULTIPROC_DIR is
#: prometheus_client's own).
OTHERS = {"PROMETHEUS_MULTIPROC_DIR", "PYTHONDONTWRITEBYTECODE"}
#: What every unit must have, as the issue asks (and what makes it safe to run at all).
REQUIRED = {
    "DynamicUser": "yes",
    "ProtectSystem": "strict",
    "NoNewPrivileges": "yes",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "CapabilityBoundingSet": "",
    "SystemCallFilter": "@system-service",
    "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
    "MemoryDenyWriteExecute": "yes",
    "LockPersonality": "yes",
}
#: Where the console's hardening may differ from the server's, and why (in its unit).
CONSOLE_DIFFERS = {"RestrictNamespaces": (["user net"], ["yes"])}


def _analyze() -> str:
    found = shutil.which("systemd-analyze")
    if not found:
        pytest.fail("systemd-analyze is missing: run scripts/install-system-deps.sh", pytrace=False)
    return found


def parse(text: str) -> dict[str, dict[str, list[str]]]:
    """``{section: {key: [values in order]}}`` of a unit file (comments and blanks dropped)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key, []).append(value)
    return sections


def service(name: str) -> dict[str, list[str]]:
    return parse((UNITS / name).read_text(encoding="utf-8"))["Service"]


def hardening(name: str) -> dict[str, list[str]]:
    """The keys of the unit's hardening block (from its ``# --- hardening`` line on)."""
    text = (UNITS / name).read_text(encoding="utf-8")
    block = text.split("# --- hardening", 1)[1].split("\n", 1)[1].split("[Install]", 1)[0]
    return parse("[Service]\n" + block)["Service"]


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A root with systemd's own units, ours in /etc, and stubs of the programs ours run."""
    root = tmp_path_factory.mktemp("systemd-root")
    (root / "usr" / "lib" / "systemd").mkdir(parents=True)
    shutil.copytree(
        "/usr/lib/systemd/system", root / "usr" / "lib" / "systemd" / "system", symlinks=True
    )
    for name in ("bin", "lib", "sbin"):
        (root / name).symlink_to(f"usr/{name}")
    (root / "usr" / "bin").mkdir()
    (root / "usr" / "sbin").mkdir()
    system = root / "etc" / "systemd" / "system"
    system.mkdir(parents=True)
    for name in NAMES:
        shutil.copy(UNITS / name, system / name)
        for key, values in service(name).items():
            if key.startswith("Exec"):
                for value in values:
                    program = root / value.split()[0].lstrip("-@!+:").lstrip("/")
                    program.parent.mkdir(parents=True, exist_ok=True)
                    program.write_text("#!/bin/sh\n", encoding="ascii")
                    program.chmod(0o755)
    yield root


@pytest.mark.parametrize("name", NAMES)
def test_verify_says_nothing(root: Path, name: str) -> None:
    """A typo (an unknown key, a bad value, a missing dependency) is a line on stderr with
    exit 0; so the test wants no output at all, not just the exit code."""
    done = subprocess.run(
        [_analyze(), "verify", f"--root={root}", "--man=no", "--generators=no"]
        + [str(root / "etc" / "systemd" / "system" / name)],
        capture_output=True,
        text=True,
    )
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def stated_scores() -> dict[str, float]:
    """The README's table of exposure scores: ``| `dx-lod.service` | 1.4 | … |``."""
    rows = re.findall(
        r"^\| `(dx-lod[^`]*\.service)` \| (\d+\.\d) \|", README.read_text("utf-8"), re.M
    )
    return {unit: float(score) for unit, score in rows}


def exposure(root: Path, name: str) -> float:
    done = subprocess.run(
        [_analyze(), "security", "--offline=true", f"--root={root}", "--no-pager"]
        + [str(root / "etc" / "systemd" / "system" / name)],
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"Overall exposure level for \S+: (\d+\.\d)", done.stdout)
    assert found, done.stdout[-2000:]
    return float(found.group(1))


@pytest.mark.parametrize("name", NAMES)
def test_security_score_is_at_most_the_readmes(root: Path, name: str) -> None:
    stated = stated_scores()
    assert name in stated, f"README.md states no exposure score for {name}"
    assert exposure(root, name) <= stated[name]


@pytest.mark.parametrize("name", NAMES)
def test_the_required_hardening_is_there(name: str) -> None:
    settings = service(name)
    for key, value in REQUIRED.items():
        assert value in settings.get(key, []), f"{name}: {key}={value}"
    assert settings["StateDirectory"][0].split()[0] == "dx-lod"
    assert settings["User"] == ["dx-lod"]  # one dynamic user: the console writes, servers read


def test_the_instances_and_the_console_are_hardened_alike() -> None:
    server = hardening("dx-lod.service")
    assert hardening("dx-lod@.service") == server
    console = hardening("dx-lod-console.service")
    for key, (theirs, ours) in CONSOLE_DIFFERS.items():
        assert (server.pop(key), console.pop(key)) == (theirs, ours)
    assert console == server


def variables(name: str) -> dict[str, str]:
    return dict(
        pair.split("=", 1) for line in service(name).get("Environment", []) for pair in line.split()
    )


def _server_settings() -> set[str]:
    return {Settings.env_name(f.name) for f in fields(Settings)}


def _console_settings() -> set[str]:
    return {ConsoleSettings.env_name(f.name) for f in fields(ConsoleSettings)}


@pytest.mark.parametrize(
    ("name", "reads"),
    [
        ("dx-lod.service", _server_settings),
        ("dx-lod@.service", _server_settings),
        ("dx-lod-console.service", _console_settings),
    ],
)
def test_the_units_set_only_real_settings(name: str, reads: Callable[[], set[str]]) -> None:
    unknown = set(variables(name)) - reads() - OTHERS
    assert not unknown, f"{name} sets {unknown}, which its program does not read"


def test_the_servers_serve_the_consoles_current_link() -> None:
    """The console switches ``<DX_RELEASES_DIR>/current`` (console/releases.py); the servers
    serve exactly that link (DX_DIST_DIR), so that a publish reaches them."""
    releases = variables("dx-lod-console.service")["DX_RELEASES_DIR"]
    for name in ("dx-lod.service", "dx-lod@.service"):
        assert variables(name)["DX_DIST_DIR"] == f"{releases}/current", name
    # the console's state and releases are in the state directory all three share
    console = variables("dx-lod-console.service")
    assert console["DX_CONSOLE_STATE_DIR"].startswith("%S/dx-lod/")
    assert releases.startswith("%S/dx-lod/")


def _example_names(name: str) -> set[str]:
    names = {
        line.lstrip("# ").split("=", 1)[0]
        for line in (UNITS / name).read_text(encoding="utf-8").splitlines()
        if re.match(r"#? ?[A-Z_]+=", line)
    }
    assert names, f"no settings in {name}"
    return names


def test_the_settings_example_is_real_and_names_no_port() -> None:
    """server.env.example is what /etc/dx-lod/server.env starts from; EnvironmentFile=
    overrides Environment=, so a PORT there would put every instance on one port."""
    names = _example_names("server.env.example")
    assert names <= _server_settings(), names - _server_settings()
    assert not names & {"HOST", "PORT"}


def test_the_consoles_settings_example_is_real_and_names_no_port_or_folder() -> None:
    """console.env.example, for /etc/dx-lod/console.env: console settings only, and none of
    those the unit names (a value there would win over the unit's)."""
    names = _example_names("console.env.example")
    assert names <= _console_settings(), names - _console_settings()
    assert not names & set(variables("dx-lod-console.service")) - {
        "DX_CONSOLE_FORWARDED_ALLOW_IPS"  # the one the example says when to change
    }
