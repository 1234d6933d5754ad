"""``python -m console``: add-user (password from standard input, twice), init, serve's
command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from console.cli import console_argv, main
from console.config import ConsoleSettings
from tests.conftest import PUBLICATION


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "DX_CONSOLE_STATE_DIR": str(tmp_path / "state"),
        "DX_RELEASES_DIR": str(tmp_path / "releases"),
        "DX_CONSOLE_PUBLICATION": str(PUBLICATION),
    }


def test_add_user_takes_the_password_twice_from_standard_input(
    env: dict[str, str], tmp_path: Path
) -> None:
    runner = CliRunner()
    ok = runner.invoke(
        main, ["add-user", "dana", "--role", "editor"], input="long enough pass\n" * 2, env=env
    )
    assert ok.exit_code == 0, ok.output
    assert "OK: dana (editor)" in ok.output
    stored = json.loads((tmp_path / "state" / "accounts.json").read_text())["accounts"]["dana"]
    assert stored["role"] == "editor" and stored["password_hash"].startswith("$argon2id$")
    for args, text, said in (
        (
            ["add-user", "erin", "--role", "editor"],
            "long enough pass\nanother one here\n",
            "differ",
        ),
        (["add-user", "erin", "--role", "editor"], "short\nshort\n", "12文字以上"),
        (["add-user", "Erin!", "--role", "editor"], "long enough pass\n" * 2, "英小文字"),
        (["add-user", "dana", "--role", "editor"], "long enough pass\n" * 2, "もうあります"),
        (["add-user", "erin", "--role", "admin"], "long enough pass\n" * 2, "admin"),
    ):
        refused = runner.invoke(main, args, input=text, env=env)
        assert refused.exit_code == 2, refused.output
        assert said in refused.output, refused.output
    again = runner.invoke(
        main,
        ["add-user", "dana", "--role", "publisher", "--replace"],
        input="a new long password\n" * 2,
        env=env,
    )
    assert again.exit_code == 0 and "publisher" in again.output


def test_init_makes_the_first_release_once(env: dict[str, str], tmp_path: Path) -> None:
    runner = CliRunner()
    made = runner.invoke(main, ["init"], env=env)
    assert made.exit_code == 0, made.output
    link = tmp_path / "releases" / "current"
    assert link.is_symlink() and (link / "manifest.json").is_file()
    assert runner.invoke(main, ["init"], env=env).exit_code == 2  # one is live already
    quiet = runner.invoke(main, ["init", "--if-missing"], env=env)
    assert quiet.exit_code == 0 and "is live" in quiet.output
    audit = (tmp_path / "state" / "audit.jsonl").read_text().splitlines()
    assert [json.loads(line)["result"] for line in audit] == ["ok", "refused"]


def test_serve_runs_granian_with_one_process_on_127_0_0_1_8001() -> None:
    argv = console_argv(ConsoleSettings.load(environ={}))
    assert argv[argv.index("--host") + 1 : argv.index("--host") + 4] == [
        "127.0.0.1",
        "--port",
        "8001",
    ]
    assert argv[argv.index("--workers") + 1] == "1"
    assert argv[-1] == "console.app:create_served_console"


def test_a_bad_setting_is_one_line(env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["init"], env={**env, "DX_RELEASES_KEEP": "many"})
    assert result.exit_code == 2
    assert "DX_RELEASES_KEEP='many': releases_keep must be a int" in result.output
