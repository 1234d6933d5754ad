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
from tests.console.tables import FY2023, edited, set_cell


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


def test_publish_from_the_command_line(env: dict[str, str], tmp_path: Path) -> None:
    """The console's own pipeline without a browser: a corrected table is checked, compared
    and made live under a new release; a broken one is refused with its problems named and
    nothing changes; every step is in the audit log under the given user."""
    runner = CliRunner()
    assert runner.invoke(main, ["init"], env=env).exit_code == 0
    releases = tmp_path / "releases"
    first = (releases / "current").resolve()

    (tmp_path / "bad").mkdir()
    (tmp_path / "ok").mkdir()
    broken = edited(
        FY2023, tmp_path / "bad" / "dx-kpi-fy2023.csv", lambda t: set_cell(t, "1", "評価", "たぶん")
    )
    refused = runner.invoke(
        main, ["publish", str(broken), "--reason", "x", "--user", "ops"], env=env
    )
    assert refused.exit_code == 2, refused.output
    assert "評価" in refused.output and "nothing was published" in refused.output
    assert (releases / "current").resolve() == first

    fixed = edited(
        FY2023,
        tmp_path / "ok" / "dx-kpi-fy2023.csv",
        lambda t: set_cell(t, "1", "事業名又は取組名", "訂正した事業名"),
    )
    done = runner.invoke(
        main, ["publish", str(fixed), "--reason", "訂正 / correction", "--user", "ops"], env=env
    )
    assert done.exit_code == 0, done.output
    assert "FY2023: +" in done.output and "is live" in done.output
    assert (releases / "current").resolve() != first
    record = json.loads(
        (releases / "current").resolve().parent.joinpath("release.json").read_text()
    )
    assert record["user"] == "ops" and record["reason"] == "訂正 / correction"
    actions = [
        json.loads(line) for line in (tmp_path / "state" / "audit.jsonl").read_text().splitlines()
    ]
    assert [(a["user"], a["action"], a["result"]) for a in actions[-3:]] == [
        ("ops", "upload", "refused"),
        ("ops", "upload", "ok"),
        ("ops", "publish", "ok"),
    ]


def test_history_and_rollback_from_the_command_line(env: dict[str, str], tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["init"], env=env).exit_code == 0
    releases = tmp_path / "releases"
    first = (releases / "current").resolve().parent.name
    (tmp_path / "ok").mkdir()
    fixed = edited(
        FY2023,
        tmp_path / "ok" / "dx-kpi-fy2023.csv",
        lambda t: set_cell(t, "1", "事業名又は取組名", "訂正した事業名"),
    )
    assert runner.invoke(main, ["publish", str(fixed), "--reason", "訂正"], env=env).exit_code == 0
    listed = runner.invoke(main, ["history"], env=env)
    assert listed.exit_code == 0 and listed.output.count("\n") == 2
    assert listed.output.splitlines()[1].startswith(f"  {first}")  # older, not live
    assert listed.output.startswith("* ")
    assert runner.invoke(main, ["rollback", first, "--reason", " "], env=env).exit_code == 2
    back = runner.invoke(
        main, ["rollback", first, "--reason", "戻す / back", "--user", "ops"], env=env
    )
    assert back.exit_code == 0, back.output
    assert (releases / "current").resolve().parent.name == first
    again = runner.invoke(main, ["rollback", first, "--reason", "again"], env=env)
    assert again.exit_code == 2 and "already live" in again.output
    assert runner.invoke(main, ["rollback", "nope", "--reason", "x"], env=env).exit_code == 2
