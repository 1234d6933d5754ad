"""The dependency rules are contracts (pyproject.toml), and breaking one fails the suite."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_tree_keeps_every_contract() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _copy(tmp_path: Path) -> Path:
    for name in ("converter", "server", "console"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("vendor"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_a_back_import_breaks_the_contracts(tmp_path: Path) -> None:
    tree = _copy(tmp_path)
    cli = tree / "converter" / "cli.py"
    cli.write_text(cli.read_text() + "\nimport server.app  # noqa: E402,F401\n")
    result = _lint(tree)
    assert result.returncode == 1
    assert "server uses converter, never the other way BROKEN" in result.stdout
    assert "converter.cli -> server.app" in result.stdout


def test_a_store_reaching_into_the_endpoint_breaks_the_contracts(tmp_path: Path) -> None:
    tree = _copy(tmp_path)
    local = tree / "server" / "stores" / "local.py"
    local.write_text(local.read_text() + "\nimport server.sparql.guard  # noqa: E402,F401\n")
    result = _lint(tree)
    assert result.returncode == 1
    assert "stores know nothing of pages or the endpoint BROKEN" in result.stdout


def test_the_server_importing_the_console_breaks_the_contracts(tmp_path: Path) -> None:
    tree = _copy(tmp_path)
    app = tree / "server" / "app.py"
    app.write_text(app.read_text() + "\nimport console.app  # noqa: E402,F401\n")
    result = _lint(tree)
    assert result.returncode == 1
    assert "the public server never imports the console (nor does the converter) BROKEN" in (
        result.stdout
    )
