"""Shared pieces of the ``casegrid`` commands (also used by the commands web/ and workflows/ add)."""
from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

import click

from engine.clock import parse_offset
from engine.errors import CasegridError

F = TypeVar("F", bound=Callable[..., Any])


def friendly_errors(func: F) -> F:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CasegridError as exc:
            click.echo(f"错误：{exc.message}", err=True)
            sys.exit(1)
        except click.exceptions.Exit:
            raise
        except BrokenPipeError:  # `casegrid cases | head`: the reader has all it wanted
            sys.stderr.close()
            sys.exit(0)
        except Exception as exc:  # never a traceback to the user; the type says where to look
            click.echo(f"错误：{type(exc).__name__}: {exc}", err=True)
            sys.exit(2)
    return wrapper  # type: ignore[return-value]


db_option = click.option("--db", "db_url", metavar="URL", default=None,
                         help="Database URL (default: $CASEGRID_DATABASE_URL or instance/casegrid.db).")




#: ``--evidence URL``: the evidence store (a folder or ``s3://…``; see :mod:`engine.evidence.stores`).
evidence_option = click.option(
    "--evidence", "--evidence-root", "evidence", metavar="URL", default=None,
    help="Evidence store: a folder or s3://bucket/prefix?endpoint=… (default: $CASEGRID_EVIDENCE_URL, "
         "$CASEGRID_EVIDENCE_ROOT or the instance's evidence/).")


def duration_callback(_ctx: click.Context, _param: click.Parameter, value: str | None) -> timedelta | None:
    """A positive duration such as ``24h``, ``7d``, ``90m``."""
    if not value:
        return None
    try:
        duration = parse_offset(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    if duration <= timedelta(0):
        raise click.BadParameter("must be longer than zero")
    return duration


def _offset(_ctx: click.Context, _param: click.Parameter, value: str | None) -> timedelta | None:
    if not value:
        return None
    try:
        return parse_offset(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


#: ``--clock-offset 2d``: serve with the clock moved (``casegrid serve`` and ``demo``).
clock_offset_option = click.option(
    "--clock-offset", callback=_offset, default=None, metavar="OFFSET",
    help="Run the clock ahead (or behind) by OFFSET, e.g. 2d, 36h, 90m — for demos: see deadlines pass and escalate.")
