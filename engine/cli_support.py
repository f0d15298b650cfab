"""Shared pieces of the ``casegrid`` commands (also used by the commands web/ and workflows/ add)."""
from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

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


