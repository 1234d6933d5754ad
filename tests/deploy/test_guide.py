"""The deployment guide, deploy/README.md, names what deploy/ holds, and only that."""

from __future__ import annotations

import os
import re
import subprocess
import textwrap
from dataclasses import fields
from pathlib import Path

import jsonschema
import pytest

from server.config import Settings
from tests.deploy.test_systemd import service, variables

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
GUIDE = (DEPLOY / "README.md").read_text(encoding="utf-8")


def test_every_file_in_deploy_is_in_the_guide() -> None:
    files = [p for p in DEPLOY.rglob("*") if p.is_file() and p.name != "README.md"]
    missing = [str(p.relative_to(ROOT)) for p in files if p.name not in GUIDE]
    assert not missing, f"deploy/README.md does not mention {missing}"


def test_every_deploy_path_in_the_guide_exists() -> None:
    named = set(re.findall(r"deploy/[\w./@-]*\w", GUIDE))
    assert named
    assert not [n for n in sorted(named) if not (ROOT / n).exists()]


def test_the_readme_links_the_guide() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(deploy/README.md)" in readme


def test_the_guide_has_each_part_in_both_languages() -> None:
    """Install, update, publish, roll back, back up, monitor: a heading in Japanese and
    English each, as the issue asks."""
    headings = re.findall(r"^## (.+)$", GUIDE, re.M)
    for english in ("Install", "Update", "Publish", "Roll back", "Back up", "Monitor"):
        assert any(
            english in h and re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", h) for h in headings
        ), english


def second_instance_metrics_port() -> str:
    """The metrics port the guide gives the second instance (its instance file)."""
    found = re.search(r"echo DX_METRICS_PORT=(\d+) > /etc/dx-lod/instance-8002\.env", GUIDE)
    assert found, "the guide no longer writes /etc/dx-lod/instance-8002.env"
    return found.group(1)


def sh_block(marker: str) -> str:
    """The guide's ``sh`` code block that holds ``marker`` (dedented: blocks in lists are
    indented)."""
    blocks = [
        textwrap.dedent(found.group(2))
        for found in re.finditer(r"^( *)```sh\n(.*?)^\1```", GUIDE, re.M | re.S)
    ]
    matching = [block for block in blocks if marker in block]
    assert len(matching) == 1, f"{len(matching)} blocks of deploy/README.md hold {marker!r}"
    return matching[0]


def _unit_path(value: str) -> str:
    """A unit's ``%S/…`` path as the guide writes it (``/var/lib/…``)."""
    return value.replace("%S", "/var/lib")


def test_the_guides_paths_are_the_units() -> None:
    """The releases, the live link and the console's state are where the units put them,
    and the guide says how soon the servers follow the link (and why no reload)."""
    console = variables("dx-lod-console.service")
    releases = _unit_path(console["DX_RELEASES_DIR"])
    assert _unit_path(variables("dx-lod.service")["DX_DIST_DIR"]) == f"{releases}/current"
    assert f"{releases}/current" in GUIDE
    assert _unit_path(console["DX_CONSOLE_STATE_DIR"]) in GUIDE
    default = {f.name: f.default for f in fields(Settings)}["release_check_interval"]
    assert f"`DX_RELEASE_CHECK_INTERVAL` ({default}" in GUIDE
    assert "systemctl reload dx-lod" not in GUIDE  # a new release needs none


def test_as_console_runs_as_the_consoles_unit() -> None:
    """``as_console`` (add-user and any console command) has the unit's user, state
    directory, code and folders: what it writes, the running console reads."""
    block = sh_block("as_console() {")
    unit = service("dx-lod-console.service")
    console = variables("dx-lod-console.service")
    assert "-p DynamicUser=yes -p User=dx-lod" in block and unit["User"] == ["dx-lod"]
    assert "-p StateDirectory=dx-lod " in block
    assert f"-p StateDirectoryMode={unit['StateDirectoryMode'][0]}" in block
    assert f"-p WorkingDirectory={unit['WorkingDirectory'][0]}" in block
    for name in ("DX_CONSOLE_STATE_DIR", "DX_RELEASES_DIR"):
        assert f"-p Environment={name}={_unit_path(console[name])}" in block
    assert unit["ExecStart"][0].split(" -m ")[0] + " -m console" in block


@pytest.mark.slow
def test_the_command_line_publish_and_rollback_run_as_written(tmp_path: Path) -> None:
    """The guide's command-line publish and roll-back blocks, run as written (``as_console``
    as the console's settings, the paths moved into a temporary folder): a release the
    console records and serves as live, then the first one live again."""
    from console.config import ConsoleSettings
    from console.releases import Releases
    from console.service import Console
    from console.web.openapi import document
    from tests.conftest import PUBLICATION
    from tests.console.tables import FY2023, edited, set_cell

    state = tmp_path / "dx-lod"
    settings = ConsoleSettings.load(
        {"CONSOLE_STATE_DIR": str(state / "console"), "RELEASES_DIR": str(state / "releases")},
        environ={},
    )
    first = Console.open(settings).publisher.init("cli", PUBLICATION, tmp_path / "init")
    table = edited(
        FY2023,
        tmp_path / "dx-kpi-fy2023.csv",
        lambda t: set_cell(t, "1", "事業名又は取組名", "手作業で直した事業名"),
    )
    as_console = (
        f"as_console() {{ DX_CONSOLE_STATE_DIR={state / 'console'} "
        f"DX_RELEASES_DIR={state / 'releases'} DX_CONSOLE_PUBLICATION={PUBLICATION} "
        f'{ROOT / ".venv" / "bin" / "python"} -m console "$@"; }}\n'
    )
    publish = (
        sh_block("# from the command line: a corrected table")
        .replace("/root/dx-kpi-fy2023.csv", str(table))
        .replace("/opt/dx-lod/incoming", str(tmp_path / "incoming"))
    )
    done = _bash(as_console + publish, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr

    releases = Releases(state / "releases")
    live = releases.current_id()
    assert live is not None and live != first["id"]
    record = releases.record(live)
    schemas = document()["components"]["schemas"]
    jsonschema.validate(record, {"components": {"schemas": schemas}, **schemas["Release"]})
    assert (record["previous"], record["base"]) == (first["id"], first["id"])
    assert os.readlink(state / "releases" / "current") == f"{live}/dist"
    dist = releases.folder(live) / "dist"
    assert "手作業で直した事業名" in "".join(
        p.read_text("utf-8") for p in (dist / "graphs").glob("*.nt")
    )

    back = (
        sh_block("as_console rollback")
        .replace("20261207T101500.123Z-3f2a1b", first["id"])
        .replace("find /var/cache/nginx/dx-lod -type f -delete", "true")
    )
    done = _bash(as_console + back, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"* {first['id']}" not in done.stdout.splitlines()[0]  # history ran before it
    assert releases.current_id() == first["id"]


def _bash(script: str, *, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )
