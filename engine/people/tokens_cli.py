"""``casegrid tokens issue / list / revoke``: API tokens for integrations (see :mod:`engine.people.tokens`)."""
from __future__ import annotations

import getpass

import click

from engine.bootstrap import init_database
from engine.cli_support import db_option, friendly_errors
from engine.clock import SystemClock
from engine.config import database_url
from engine.people.tokens import TokenService


def _service(db_url: str | None) -> TokenService:
    db = init_database(database_url(db_url))[0]
    click.get_current_context().call_on_close(db.dispose)
    return TokenService(db, SystemClock())


def _by() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry for the uid, e.g. in a container
        return "cli"


@click.group()
def tokens() -> None:
    """Manage API tokens (an integration acts as an account, with its role)."""


@tokens.command("issue")
@db_option
@click.argument("username")
@click.option("--name", required=True, help="What the token is for, e.g. 微信小程序.")
@click.option("--days", type=int, default=None, help="Valid for this many days (default: until revoked).")
@friendly_errors
def issue(db_url: str | None, username: str, name: str, days: int | None) -> None:
    """Issue a token acting as USERNAME; the secret is printed once and never stored."""
    issued = _service(db_url).issue(username, name, days=days, by=_by())
    expires = issued.info.expires_at.strftime("%Y-%m-%d %H:%M UTC") if issued.info.expires_at else "never"
    click.echo(f"token {issued.info.id} for {username} ({issued.info.role}), expires {expires}", err=True)
    click.echo(issued.secret)


@tokens.command("list")
@db_option
@click.option("--user", "username", default=None, help="Only this account's tokens.")
@friendly_errors
def list_(db_url: str | None, username: str | None) -> None:
    """List tokens: id, state, account, role, hint, last use, name."""
    service = _service(db_url)
    now = service.clock.now()
    for t in service.tokens(username):
        used = t.last_used_at.strftime("%Y-%m-%d %H:%M") if t.last_used_at else "never"
        click.echo(f"{t.id:5} {t.state(now):8} {t.username:16} {t.role:12} {t.hint}…  used {used:16} {t.name}")


@tokens.command("revoke")
@db_option
@click.argument("token_id", type=int)
@friendly_errors
def revoke(db_url: str | None, token_id: int) -> None:
    """Revoke a token at once (it stays listed, as revoked)."""
    info = _service(db_url).revoke(token_id, by=_by())
    click.echo(f"revoked token {info.id} ({info.name}) of {info.username}")
