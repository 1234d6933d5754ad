"""The command line's one exit path: each error class to its exit code, in one place.

The messages themselves are pinned where their errors are made (test_inputs.py,
test_malformed.py, test_refusals.py, test_changes.py, tests/remote/test_publish*.py); here:
every command goes through the same path, and the table of codes holds.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest
from click.testing import CliRunner

import converter.cli as cli
from converter.changes import Changes, RemovalsRefused
from converter.contract import ManifestMissing
from converter.errors import ConverterError, InputError, TableProblems, ValidationFailed
from converter.publish import PublishError, PublishInputError

SECRET = "s3cret-Pa55"


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ValidationFailed("report", 1), 1),
        (InputError("bad cell", file="t.csv", row=3, column="部"), 2),
        (TableProblems("t.csv", [InputError("bad", row=2)]), 2),
        (RemovalsRefused("gone", file="p.toml", changes=Changes([], first=True)), 2),
        (ManifestMissing("no manifest.json"), 2),
        (PublishInputError("not a validated build"), 2),
        (PublishError("HTTP 500 from the store"), 4),
        (ConverterError("a worker died"), 3),
        (RuntimeError("a bug"), 3),
    ],
)
def test_each_error_class_has_its_exit_code(error: Exception, code: int) -> None:
    assert cli.exit_code_of(error) == code


def _exits(tree: ast.AST) -> list[ast.Call]:
    """Calls of ``sys.exit``, ``….exit(…)`` on a click context, and ``os._exit``."""
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("exit", "_exit")
    ]


def test_the_cli_exits_in_one_place() -> None:
    module = ast.parse(Path(cli.__file__).read_text("utf-8"))
    exits = _exits(module)
    command = ast.parse(inspect.getsource(cli._Command).strip())
    assert len(exits) == 1 and len(_exits(command)) == 1, [ast.unparse(e) for e in exits]
    handlers = [
        h for h in ast.walk(module) if isinstance(h, ast.ExceptHandler) and h.type is not None
    ]
    catch_all = [h for h in handlers if ast.unparse(h.type) in ("Exception", "BaseException")]
    assert len(catch_all) == 1  # the one place a bug becomes exit code 3
    assert all(isinstance(c, cli._Command) for c in cli.main.commands.values())


def _broken(message: str):  # type: ignore[no-untyped-def]
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError(message)

    return broken


def test_dx_debug_prints_the_traceback_and_still_exits_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("converter.cli.build", _broken("simulated bug"))
    result = CliRunner(env={"DX_DEBUG": "1"}).invoke(
        cli.main, ["build", "--out", str(tmp_path / "d")]
    )
    assert result.exit_code == 3, result.output  # not 1: that says "not conformant"
    assert "Traceback (most recent call last)" in result.output
    assert "RuntimeError: simulated bug" in result.output
    assert "internal error" in result.output


def test_dx_debug_leaves_an_input_error_as_it_was(tmp_path: Path) -> None:
    args = ["build", "--config", str(tmp_path / "none.toml"), "--out", str(tmp_path / "d")]
    plain = CliRunner().invoke(cli.main, args)
    debug = CliRunner(env={"DX_DEBUG": "1"}).invoke(cli.main, args)
    assert plain.exit_code == debug.exit_code == 2
    assert plain.output == debug.output and plain.output.startswith("エラー / error: ")


@pytest.mark.parametrize("through_group", [True, False])
@pytest.mark.parametrize(
    ("error", "code", "line"),
    [
        (RuntimeError(f"boom {SECRET}"), 3, "publish: internal error: RuntimeError('boom ***')"),
        (PublishError(f"store said {SECRET}"), 4, "publish: store said ***"),
        (PublishInputError("not a validated build"), 2, "publish: not a validated build"),
    ],
)
def test_publish_reports_through_the_same_path(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    through_group: bool,
    error: Exception,
    code: int,
    line: str,
) -> None:
    def failing(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise error

    monkeypatch.setattr("converter.cli.publish", failing)
    args = [str(tmp_path), "--store", "http://127.0.0.1:9/store", "--password", SECRET]
    command = cli.main if through_group else cli.publish_command
    result = CliRunner().invoke(command, ["publish", *args] if through_group else args)
    assert result.exit_code == code, result.output
    assert result.output.splitlines() == [line]
    assert SECRET not in result.output


def test_a_converter_error_that_is_not_the_input_exits_3_with_its_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def dying(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ConverterError("SHACL: a validation worker process died (out of memory?)")

    monkeypatch.setattr("converter.cli.build", dying)
    result = CliRunner().invoke(cli.main, ["build", "--out", str(tmp_path / "d")])
    assert result.exit_code == 3
    assert result.output == (
        "エラー / error: SHACL: a validation worker process died (out of memory?)\n"
    )
