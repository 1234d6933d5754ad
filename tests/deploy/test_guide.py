"""The deployment guide, deploy/README.md, names what deploy/ holds, and only that."""

from __future__ import annotations

import re
from pathlib import Path

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
