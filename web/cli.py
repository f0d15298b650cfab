"""Commands the web part adds to ``casegrid`` (registered through the ``casegrid.cli`` entry point)."""
from __future__ import annotations

import click
from waitress import serve as waitress_serve

from engine.bootstrap import init_database
from engine.cli_support import db_option, friendly_errors
from engine.config import database_url
from engine.people.roles import Role
from engine.service import PeopleService
from web import create_app


def register(main: click.Group) -> None:
    main.add_command(serve)
    main.add_command(users)


@click.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@friendly_errors
def serve(db_url: str | None, host: str, port: int, threads: int) -> None:
    """Serve the web UI with waitress (for several workers use gunicorn, see the README)."""
    app = create_app({"DATABASE_URL": database_url(db_url)})
    click.echo(f"casegrid web UI: http://{host}:{port}/  (Ctrl+C stops it)")
    waitress_serve(app, host=host, port=port, threads=threads)


@click.group()
def users() -> None:
    """Manage user accounts."""


@users.command("add")
@db_option
@click.argument("username")
@click.option("--name", "display_name", required=True, help="Display name, e.g. 李网格员.")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--department", "department_code", default=None, help="Department code (role department).")
@click.option("--grid", "grid_code", default=None, help="Grid code (role grid_worker).")
@click.password_option(help="Password (asked for when not given).")
@friendly_errors
def users_add(db_url: str | None, username: str, display_name: str, role: str, department_code: str | None,
              grid_code: str | None, password: str) -> None:
    """Create a user account."""
    db, _ = init_database(database_url(db_url))
    try:
        account = PeopleService(db).add_account(username, display_name, role, password,
                                                department_code=department_code, grid_code=grid_code)
    finally:
        db.dispose()
    click.echo(f"created {account.username} ({account.role})")


@users.command("list")
@db_option
@friendly_errors
def users_list(db_url: str | None) -> None:
    """List user accounts: username, role, department, grid, name."""
    db, _ = init_database(database_url(db_url))
    try:
        for a in PeopleService(db).accounts():
            click.echo(f"{a.username:16} {a.role:12} {a.department_code or '-':12} {a.grid_code or '-':8} "
                       f"{a.display_name}{'' if a.active else ' (disabled)'}")
    finally:
        db.dispose()
