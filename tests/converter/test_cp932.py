"""A Shift_JIS (CP932) source is republished as UTF-8 with a BOM, never as mojibake (issue 22).

Excel in Japanese saves "CSV" as CP932. The build reads a table and the register of
organisations in UTF-8, else CP932, and offers every CSV as UTF-8 with a BOM: what its CSVW
metadata declares (``"encoding": "utf-8"``) and what tells Excel the file is UTF-8. Before
issue 23 a CP932 table was copied as CP932 beside metadata that said UTF-8, and a CP932
``organizations.csv`` was refused.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from converter.build import build
from converter.contract import Manifest
from tests.conftest import ROOT

BOM = b"\xef\xbb\xbf"


def _as_cp932(path: Path, newline: str) -> str:
    """Rewrite ``path`` (UTF-8) as CP932 with ``newline``; the text it now holds."""
    text = path.read_text("utf-8").replace("\n", newline)
    path.write_bytes(text.encode("cp932"))
    return text


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_cp932_sources_are_republished_as_utf8_with_a_bom(
    tmp_path: Path, dist_dir: Path, newline: str
) -> None:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    sources = ("dx-kpi-fy2023.csv", "organizations.csv")
    texts = {name: _as_cp932(data / name, newline) for name in sources}
    out = tmp_path / "dist"
    build(data / "publication.toml", out)
    manifest = Manifest.read(out)
    for name, text in texts.items():
        published = (out / "download" / name).read_bytes()
        assert published == BOM + text.encode("utf-8"), name  # the same text, in UTF-8
        assert "\ufffd" not in published.decode("utf-8")
        entry = manifest.file(name)
        assert entry is not None and entry.media_type == "text/csv"
        assert entry.sha256 == hashlib.sha256(published).hexdigest()
    metadata = json.loads((out / "download" / "dx-kpi-fy2023.csv-metadata.json").read_bytes())
    assert metadata["dialect"]["encoding"] == "utf-8"
    # The data is the UTF-8 build's, byte for byte: the encoding is the file's, not the data's.
    for name in ("fy2023", "catalog", "series"):
        built = (out / "graphs" / f"{name}.nt").read_bytes()
        assert built == (dist_dir / "graphs" / f"{name}.nt").read_bytes(), name


def test_a_register_that_is_neither_utf8_nor_cp932_names_the_place(tmp_path: Path) -> None:
    from converter.errors import InputError
    from converter.orgs import read_register

    path = tmp_path / "organizations.csv"
    lines = (ROOT / "data" / "organizations.csv").read_bytes().split(b"\n")
    lines[3] = lines[3] + b"\x81\x7f"  # not a CP932 character
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(InputError, match="neither UTF-8 nor CP932") as refused:
        read_register(path)
    assert "row 4" in str(refused.value)
