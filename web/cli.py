"""Commands the web part adds to ``casegrid`` (registered through the ``casegrid.cli`` entry point)."""
from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import click
from waitress import serve as waitress_serve

from engine.bootstrap import init_database
from engine.cli_support import clock_offset_option, db_option, friendly_errors
from engine.clock import OffsetClock
from engine.config import database_url
from engine.errors import ValidationError
from engine.people.roles import Role
from engine import PeopleService
from web import create_app
from web.sweeping import start_sweeper


#: ``casegrid demo`` passes its own ``--no-sweep`` on to ``serve``.
sweep_option = click.option("--sweep/--no-sweep", default=True, show_default=True,
                            help="Run the SLA sweep (due timers, escalations, outbox) every minute in the background. "
                                 "--no-sweep where a Prefect worker runs the sla-sweep flow.")


@click.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@sweep_option
@click.option("--sweep-interval", default=60, show_default=True, type=click.IntRange(1, 3600), metavar="SECONDS",
              help="Seconds between two sweeps.")
@clock_offset_option
@friendly_errors
def serve(db_url: str | None, host: str, port: int, threads: int, sweep: bool = True, sweep_interval: int = 60,
          clock_offset: timedelta | None = None) -> None:
    """Serve the web UI with waitress (for several workers use gunicorn, see the README)."""
    config: dict[str, object] = {"DATABASE_URL": database_url(db_url)}
    if clock_offset:
        config["CLOCK"] = OffsetClock(clock_offset)
    app = create_app(config)
    click.echo(f"casegrid web UI: http://{host}:{port}/  (Ctrl+C stops it)")
    if clock_offset:
        click.echo(f"时钟偏移 {clock_offset}：现在按 {app.extensions['casegrid.cases'].clock.now():%Y-%m-%d %H:%M} UTC 计")
    sweeper = start_sweeper(app, timedelta(seconds=sweep_interval)) if sweep else None
    if sweeper is not None:
        click.echo(f"定时清扫：每 {sweep_interval} 秒一次（多个进程时只有一个执行）；--no-sweep 关闭")
    try:
        waitress_serve(app, host=host, port=port, threads=threads)
    finally:
        if sweeper is not None:
            sweeper.stop()


@click.group()
def users() -> None:
    """Manage user accounts."""


#: Engine field names → the option or argument a user of the command typed.
_FIELDS = {"username": "USERNAME", "display_name": "--name", "role": "--role", "department_code": "--department",
           "grid_code": "--grid", "password": "--password", "active": "USERNAME"}


@contextmanager
def _people(db_url: str | None) -> Iterator[PeopleService]:
    """The accounts of the configured database; field errors are printed per option, exit status 1."""
    db, _ = init_database(database_url(db_url))
    try:
        yield PeopleService(db)
    except ValidationError as exc:
        for name, message in exc.field_errors.items() or [("", exc.message)]:
            click.echo(f"错误：{_FIELDS.get(name, name)}：{message}" if name else f"错误：{message}", err=True)
        sys.exit(1)
    finally:
        db.dispose()


def _by() -> str:
    """Who ran the command, for the admin log."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry for the uid, e.g. in a container
        return "cli"


@users.command("add")
@db_option
@click.argument("username")
@click.option("--name", "display_name", required=True, help="Display name, e.g. 李网格员.")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--department", "department_code", default=None, help="Department code (required for role department).")
@click.option("--grid", "grid_code", default=None, help="Grid code (required for role grid_worker).")
@click.password_option(help="Password: at least 10 characters, not a common one (asked for when not given).")
@friendly_errors
def users_add(db_url: str | None, username: str, display_name: str, role: str, department_code: str | None,
              grid_code: str | None, password: str) -> None:
    """Create a user account."""
    with _people(db_url) as people:
        account = people.create_account(username, display_name, role, password, department_code=department_code,
                                        grid_code=grid_code, by=_by())
    click.echo(f"created {account.username} ({account.role})")


@users.command("list")
@db_option
@friendly_errors
def users_list(db_url: str | None) -> None:
    """List user accounts: username, role, department, grid, name."""
    with _people(db_url) as people:
        for a in people.accounts():
            click.echo(f"{a.username:16} {a.role:12} {a.department_code or '-':12} {a.grid_code or '-':8} "
                       f"{a.display_name}{'' if a.active else ' (disabled)'}")


@users.command("passwd")
@db_option
@click.argument("username")
@click.password_option(help="The new password: at least 10 characters, not a common one (asked for when not given).")
@friendly_errors
def users_passwd(db_url: str | None, username: str, password: str) -> None:
    """Set a new password for an account."""
    with _people(db_url) as people:
        account = people.reset_password(username, password, by=_by())
    click.echo(f"password of {account.username} changed")


@users.command("disable")
@db_option
@click.argument("username")
@friendly_errors
def users_disable(db_url: str | None, username: str) -> None:
    """Disable an account: it can no longer log in; its history stays (accounts are never deleted)."""
    with _people(db_url) as people:
        account = people.set_account_active(username, False, by=_by())
    click.echo(f"disabled {account.username}")


@users.command("enable")
@db_option
@click.argument("username")
@friendly_errors
def users_enable(db_url: str | None, username: str) -> None:
    """Enable a disabled account again."""
    with _people(db_url) as people:
        account = people.set_account_active(username, True, by=_by())
    click.echo(f"enabled {account.username}")
