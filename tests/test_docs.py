"""The README documents every setting, and the server reads settings in one place only."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from server.config import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SETTINGS_SECTION = README.split("## Settings / 設定", 1)[1].split("\n## ", 1)[0]
#: ``| `DX_A`, `DX_B` | default | meaning |`` → every variable named in the first column.
DOCUMENTED = {
    name
    for row in SETTINGS_SECTION.splitlines()
    if row.startswith("| `")
    for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])
}


@pytest.mark.parametrize("spec", fields(Settings), ids=lambda f: f.name)
def test_every_server_setting_is_in_the_readme_table(spec) -> None:  # type: ignore[no-untyped-def]
    assert Settings.env_name(spec.name) in DOCUMENTED


def test_every_variable_the_code_reads_is_documented() -> None:
    """``envvar="X"`` (click) and ``os.environ[...]`` reads anywhere in the product."""
    found: set[str] = set()
    for path in [*ROOT.glob("converter/**/*.py"), *ROOT.glob("server/**/*.py")]:
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'envvar="([A-Z_]+)"', text))
        found |= set(re.findall(r'environ(?:\.get)?\(\s*"([A-Z_]+)"', text))
        found |= set(re.findall(r'environ\[\s*"([A-Z_]+)"', text))
    assert found, "the scan found nothing: has the code changed its idiom?"
    passed_on = {"PYTHONPATH"}  # handed to the query worker processes, not a setting
    assert found - passed_on <= DOCUMENTED, sorted(found - passed_on - DOCUMENTED)


def test_only_the_settings_module_reads_the_environment_in_server() -> None:
    readers = sorted(
        str(path.relative_to(ROOT))
        for path in ROOT.glob("server/**/*.py")
        if re.search(r"os\.environ\.get|os\.getenv|environ\[", path.read_text(encoding="utf-8"))
    )
    # pool.py hands PYTHONPATH on to its worker processes; it is not a setting.
    assert readers == ["server/config.py", "server/stores/pool.py"]


def test_settings_follow_one_scheme() -> None:
    conventions = {"HOST", "PORT", "WEB_CONCURRENCY"}
    for spec in fields(Settings):
        name = Settings.env_name(spec.name)
        assert name in conventions or name == f"DX_{spec.name.upper()}", name


def test_a_legacy_name_still_works(caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings.load(environ={"SPARQL_TIMEOUT": "3"})
    assert settings.sparql_timeout == 3.0
    assert "SPARQL_TIMEOUT is deprecated; set DX_SPARQL_TIMEOUT instead" in caplog.text


def test_the_new_name_wins_over_the_legacy_one() -> None:
    environ = {"SPARQL_TIMEOUT": "3", "DX_SPARQL_TIMEOUT": "4"}
    assert Settings.load(environ=environ).sparql_timeout == 4.0


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"DX_SPARQL_TIMEOUT": "soon"}, "DX_SPARQL_TIMEOUT='soon': sparql_timeout must be a float"),
        ({"PORT": "-1"}, "PORT='-1': port cannot be negative"),
    ],
)
def test_a_bad_value_names_the_variable(environ: dict[str, str], message: str) -> None:
    from server.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        Settings.load(environ=environ)
    assert str(caught.value) == message
