"""Real LibreOffice (Debian's libreoffice-calc, headless) on the tests' workbooks."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def soffice(source: Path, out_dir: Path, target: str) -> Path:
    """``soffice --headless --convert-to TARGET`` of ``source`` into ``out_dir``; the
    converted file. Each call has its own user profile, so that parallel tests do not
    share (and lock) one."""
    if shutil.which("soffice") is None:
        pytest.fail("soffice is missing: run scripts/install-system-deps.sh")
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = out_dir / ".profile"
    command = [
        "soffice",
        f"-env:UserInstallation={profile.resolve().as_uri()}",
        "--headless",
        "--convert-to",
        target,
        "--outdir",
        str(out_dir),
        str(source),
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    extension = target.split(":", 1)[0]
    converted = out_dir / f"{source.stem}.{extension}"
    assert converted.is_file(), f"LibreOffice wrote no {converted.name}"
    return converted
