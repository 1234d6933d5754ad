"""``python -m console``: serve the console, add staff accounts, make the first release,
and, for operators when the web console cannot be used, list the releases, publish a table
and roll back (the console's own checks, changes gate, records and audit log).

Exit codes (as the converter's): 0 done; 2 a bad setting, name, role or password, or the
action was refused; 3 internal error.
"""

from __future__ import annotations

import getpass
import os
import sys
import tempfile
from pathlib import Path

import click

from console.accounts import ROLES, AccountError, Accounts
from console.candidates import UploadRefused
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


@main.command()
@click.argument("table", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--reason", required=True, help="why (the history and the audit log show it)")
@click.option("--user", default=None, help="who publishes (default: $SUDO_USER or the login)")
@click.option("--confirm-removals", is_flag=True, help="publish although it removes data")
@click.option("--title-ja", default="", help="a new edition's title (default: derived)")
@click.option("--title-en", default="", help="its English title")
def publish(
    table: Path, reason: str, user: str | None, confirm_removals: bool, title_ja: str, title_en: str
) -> None:
    """Publish TABLE (a workbook or CSV) as the console does: checked, built, compared with
    the live release, then live; every step in the audit log. For operators when the web
    console cannot be used; staff use the web console."""
    settings = _settings()
    from console.candidates import CHECKED
    from console.publishing import Refused, summary
    from console.service import Console

    who = _operator(user)
    console = Console.open(settings)
    with table.open("rb") as source:
        chunks = iter(lambda: source.read(1 << 16), b"")
        try:
            record = console.upload(who, table.name, chunks, title_ja=title_ja, title_en=title_en)
        except UploadRefused as exc:
            raise Refusal(str(exc)) from exc
    if record["status"] != CHECKED:
        problems = record.get("problems", [])
        for problem in problems:
            where = problem.get("where")
            click.echo(f"{where}: {problem['problem']}" if where else problem["problem"], err=True)
        if record.get("shacl"):
            click.echo(record["shacl"], err=True)
        raise Refusal(f"{len(problems)} 件の問題 / problem(s); nothing was published")
    for warning in record.get("warnings", []):
        click.echo(f"注意 / warning: {warning}")
    click.echo(f"変更 / changes: {summary(record['changes'])}")
    try:
        release = console.publisher.publish(record["id"], who, reason, confirm_removals)
    except Refused as exc:
        raise Refusal(str(exc)) from exc
    console.after_publish(record["id"])
    click.echo(f"OK: {release['id']} is live ({settings.releases / 'current'})")


def _operator(user: str | None) -> str:
    return user or os.environ.get("SUDO_USER") or getpass.getuser()


@main.command()
def history() -> None:
    """The releases, newest first: id, live or not, when, who, reason."""
    from console.service import Console

    console = Console.open(_settings())
    live = console.releases.current_id()
    for record in console.releases.all():
        mark = "*" if record["id"] == live else " "
        reason = " ".join(str(record.get("reason") or "").split())[:80]
        click.echo(f"{mark} {record['id']}  {record['created']}  {record['user']}  {reason}")


@main.command()
@click.argument("release_id")
@click.option("--reason", required=True, help="why (the history and the audit log show it)")
@click.option("--user", default=None, help="who rolls back (default: $SUDO_USER or the login)")
def rollback(release_id: str, reason: str, user: str | None) -> None:
    """Make the earlier release RELEASE_ID live again (see `history`)."""
    from console.publishing import Refused
    from console.service import Console

    console = Console.open(_settings())
    try:
        record = console.publisher.rollback(release_id, _operator(user), reason)
    except KeyError:
        raise Refusal(f"リリース {release_id} はありません / no release {release_id}") from None
    except Refused as exc:
        raise Refusal(str(exc)) from exc
    click.echo(f"OK: {record['id']} is live again")
