"""The README documents every setting, and the server reads settings in one place only."""

from __future__ import annotations

import ast
import re
from dataclasses import fields
from pathlib import Path

import pytest

from console.config import ConsoleSettings
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


@pytest.mark.parametrize("spec", fields(ConsoleSettings), ids=lambda f: f.name)
def test_every_console_setting_is_in_the_readme_table(spec) -> None:  # type: ignore[no-untyped-def]
    assert ConsoleSettings.env_name(spec.name) in DOCUMENTED


def _environment_reads(path: Path) -> tuple[set[str], bool]:
    """The environment variables a module names, and whether it reads the environment.

    Read from the syntax tree: ``os.environ[…]``, ``os.environ.get(…)``, ``os.getenv(…)``
    and click's ``envvar="…"``. A WSGI server's ``environ`` (a request's, not the
    process's) is another thing of the same name and is not counted.
    """
    names: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    reads = False
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "envvar":
            names |= {c.value for c in ast.walk(node.value) if isinstance(c, ast.Constant)}
        target = _environment_call(node)
        if isinstance(target, ast.Constant) and isinstance(target.value, str):
            names.add(target.value)
        if _is_os_environ(node) and not _written(parents.get(node)):
            reads = True  # a key read, or the whole mapping handed to something that reads it
    return {n for n in names if isinstance(n, str)}, reads


def _written(parent: ast.AST | None) -> bool:
    """``os.environ.update(…)`` / ``.setdefault(…)`` / ``os.environ[k] = v``: set, not read."""
    if isinstance(parent, ast.Attribute):
        return parent.attr in ("update", "setdefault")
    return isinstance(parent, ast.Subscript) and isinstance(parent.ctx, ast.Store)


def _is_os_environ(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def _environment_call(node: ast.AST) -> ast.AST | None:
    """The key of an environment read (``os.environ["X"]``, ``.get("X")``, ``getenv("X")``)."""
    if isinstance(node, ast.Subscript) and _is_os_environ(node.value):
        if isinstance(node.ctx, ast.Load):
            return node.slice
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
        func = node.func
        if func.attr == "get" and _is_os_environ(func.value):
            return node.args[0]
        if func.attr == "getenv" and isinstance(func.value, ast.Name) and func.value.id == "os":
            return node.args[0]
    return None


PRODUCT = sorted(
    [*ROOT.glob("converter/**/*.py"), *ROOT.glob("server/**/*.py"), *ROOT.glob("console/**/*.py")]
)


def test_every_variable_the_code_reads_is_documented() -> None:
    """``envvar="X"`` (click) and ``os.environ[...]`` reads anywhere in the product."""
    found: set[str] = set()
    for path in PRODUCT:
        found |= _environment_reads(path)[0]
    assert found, "the scan found nothing: has the code changed its idiom?"
    passed_on = {"PYTHONPATH"}  # handed to the query worker processes, not a setting
    assert found - passed_on <= DOCUMENTED, sorted(found - passed_on - DOCUMENTED)


def test_only_the_settings_module_reads_the_environment_in_server() -> None:
    readers = sorted(
        str(path.relative_to(ROOT))
        for path in PRODUCT
        if path.parts[len(ROOT.parts)] == "server" and _environment_reads(path)[1]
    )
    # Not settings: pool.py hands PYTHONPATH on to its worker processes; __main__.py hands
    # PROMETHEUS_MULTIPROC_DIR (prometheus_client's own) on to granian's, and the exporter
    # reads that folder's files.
    assert readers == [
        "server/__main__.py",
        "server/config.py",
        "server/metrics/exporter.py",
        "server/stores/pool.py",
    ]


def test_the_scan_tells_the_process_environment_from_a_requests(tmp_path: Path) -> None:
    source = (
        'import os\nos.environ.get("DX_A")\nos.environ["DX_B"]\nos.getenv("DX_C")\n'
        'environ.get("HTTP_HOST")\nenviron["REMOTE_ADDR"] = "x"\nos.environ["DX_D"] = "w"\n'
        '@click.option("--x", envvar="DX_E")\ndef f(): pass\n'
    )
    path = tmp_path / "sample.py"
    path.write_text(source, encoding="utf-8")
    assert _environment_reads(path) == ({"DX_A", "DX_B", "DX_C", "DX_E"}, True)


def test_settings_follow_one_scheme() -> None:
    conventions = {"HOST", "PORT", "WEB_CONCURRENCY"}
    for spec in fields(Settings):
        name = Settings.env_name(spec.name)
        assert name in conventions or name == f"DX_{spec.name.upper()}", name
    for spec in fields(ConsoleSettings):
        assert ConsoleSettings.env_name(spec.name) == f"DX_{spec.name.upper()}"


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


def test_every_metric_is_in_the_readme() -> None:
    """The README's metrics table names every metric server/metrics/families.py defines."""
    from prometheus_client.metrics import MetricWrapperBase

    from server.metrics import families

    names = {
        m._name + ("_total" if m._type == "counter" else "")
        for m in vars(families).values()
        if isinstance(m, MetricWrapperBase)
    }
    missing = sorted(n for n in names if f"`{n}`" not in README)
    assert len(names) >= 10 and not missing, missing
