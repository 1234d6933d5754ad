"""``python -m console``: serve the console, add staff accounts, make the first release.

Exit codes (as the converter's): 0 done; 2 a bad setting, name, role or password, or the
action was refused; 3 internal error.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click

from console.accounts import ROLES, AccountError, Accounts
from console.config import ConsoleConfigError, ConsoleSettings
from server.metrics.folder import MULTIPROCESS_VARIABLE, prepare_multiprocess_dir


class Refusal(click.ClickException):
    """A bad setting, name, role or password, or a refused action: exit code 2."""

    exit_code = 2


#: Milliseconds a client may take to send its request line and headers (as the server's).
HEADER_READ_TIMEOUT_MS = 10_000


def console_argv(settings: ConsoleSettings) -> list[str]:
    """The granian command line of the console: the public server's settings, one process.

    granian reads each request in Rust and hands a thread only a complete request, so a
    slow client costs a socket, not a thread (README, "Which WSGI server"). One process:
    the sessions' cache, the login throttle and the preview apps live in it, and the
    console serves a few staff, not the public.
    """
    return [
        *(sys.executable, "-m", "granian", "--interface", "wsgi", "--factory"),
        *("--host", settings.console_host, "--port", str(settings.console_port)),
        *("--workers", "1", "--blocking-threads", str(max(1, settings.console_threads))),
        *("--http", "1", "--no-ws", "--respawn-failed-workers", "--respawn-interval", "1"),
        *("--http1-header-read-timeout", str(HEADER_READ_TIMEOUT_MS)),
        *("--log-level", "info"),
        "console.app:create_served_console",
    ]


def _settings() -> ConsoleSettings:
    try:
        return ConsoleSettings.load()
    except ConsoleConfigError as exc:
        raise Refusal(str(exc)) from exc


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """行政DX LOD 公開コンソール / the staff console (without a command: serve it)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(serve)


@main.command()
def serve() -> None:
    """Serve the console on DX_CONSOLE_HOST:DX_CONSOLE_PORT (127.0.0.1:8001) with granian."""
    # The check below runs the app in this process, whose pid becomes granian's: its
    # metrics must not go to the worker's folder (server/__main__.py does the same).
    metrics_dir = os.environ.pop(MULTIPROCESS_VARIABLE, None)
    settings = _settings()
    from console.app import create_console_app

    create_console_app()  # fail here, in one line, rather than in granian's worker
    if settings.metrics_port:
        os.environ[MULTIPROCESS_VARIABLE] = prepare_multiprocess_dir(metrics_dir)
    command = console_argv(settings)
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")
    os.execv(command[0], command)


def _password() -> str:
    """The password from standard input, twice (a terminal does not show it)."""
    if sys.stdin.isatty():
        return str(click.prompt("Password / パスワード", hide_input=True, confirmation_prompt=True))
    first, second = sys.stdin.readline().rstrip("\r\n"), sys.stdin.readline().rstrip("\r\n")
    if first != second:
        raise Refusal("the two passwords differ / 2回のパスワードが違います")
    return first


@main.command("add-user")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True, help="editor or publisher")
@click.option("--replace", is_flag=True, help="set a new role and password for NAME")
def add_user(name: str, role: str, replace: bool) -> None:
    """Add a staff account; the password comes from standard input, twice.

    \b
    editor:    uploads, checks, previews
    publisher: also publishes and rolls back
    """
    settings = _settings()
    from console.storage import private_dir

    accounts = Accounts(private_dir(settings.state_dir))
    try:
        account = accounts.add(name, role, _password(), replace=replace)
    except AccountError as exc:
        raise Refusal(str(exc)) from exc
    from console.audit import OK, AuditLog

    AuditLog(settings.state_dir).append("cli", "add-user", OK, message=f"{name} ({role})")
    click.echo(f"OK: {account.name} ({account.role})")


@main.command()
@click.option("--if-missing", is_flag=True, help="do nothing (exit 0) when a release is live")
def init(if_missing: bool) -> None:
    """Make the first release from DX_CONSOLE_PUBLICATION (data/publication.toml)."""
    settings = _settings()
    from console.publishing import Refused
    from console.service import Console
    from converter.errors import ConverterError

    console = Console.open(settings)
    if if_missing and console.releases.current_id() is not None:
        click.echo(f"OK: {console.releases.current_id()} is live")
        return
    with tempfile.TemporaryDirectory(prefix=".init-", dir=settings.state_dir) as scratch:
        try:
            record = console.publisher.init(
                "cli", Path(settings.console_publication), Path(scratch)
            )
        except (Refused, ConverterError) as exc:
            raise Refusal(str(exc)) from exc
    click.echo(f"OK: {record['id']} is live ({settings.releases / 'current'})")
