"""``casegrid process …``: check diagrams before anyone publishes them, list and publish versions.

``casegrid process validate FILE...`` prints one line per file — ``FILE: ok`` or
``FILE: ERROR <element id>: <message>`` (one line per problem) — and exits 0 only
when every file is publishable. It never prints a traceback: each file is checked
on its own, so one strange file cannot hide the verdict on the others.
"""
from __future__ import annotations

import sys
from pathlib import Path

from typing import TYPE_CHECKING

import click

from engine.cli_support import db_option, friendly_errors
from engine.config import database_url
from engine.bpmn.text import diagram_text
from engine.specs.validation import DOCUMENT, Problem, problems_of_file

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from engine.specs.service import ProcessService


@click.group("process")
def process() -> None:
    """Process diagrams: validate files, list and publish versions."""


def _check(name: str, session: Session | None = None) -> list[Problem]:
    try:
        return problems_of_file(Path(name), session)
    except Exception as exc:  # belt and braces: problems_of_file already reports everything it can foresee
        return [Problem(DOCUMENT, f"无法检查此文件（{type(exc).__name__}）")]


@process.command("validate")
@click.argument("files", nargs=-1, required=True)
def validate(files: tuple[str, ...]) -> None:
    """Check that each FILE could be published; exit 1 if any could not.

    Business rule tasks are checked against the shipped decision tables (no database is read): one using a
    table a supervisor published is checked against it by `process publish` and the web editor."""
    failed = 0
    for name in files:
        problems = _check(name)
        try:
            if not problems:
                click.echo(f"{name}: ok")
            for problem in problems:
                click.echo(f"{name}: ERROR {problem.element_id}: {problem.message}")
        except BrokenPipeError:  # `casegrid process validate *.bpmn | head`
            sys.stderr.close()
            sys.exit(1)
        failed += bool(problems)
    sys.exit(1 if failed else 0)


def _service(db_url: str | None) -> ProcessService:
    # Loaded here, not above: validating a file needs no database, and the services import every domain (seconds).
    from engine.bootstrap import init_database
    from engine.specs.service import ProcessService

    db = init_database(database_url(db_url))[0]
    click.get_current_context().call_on_close(db.dispose)
    return ProcessService(db)


@process.command("list")
@db_option
@friendly_errors
def list_versions(db_url: str | None) -> None:
    """Every process with its versions: status, who published it, open cases pinned to it."""
    for summary in _service(db_url).processes():
        click.echo(f"{summary.key}  {summary.name}")
        for v in summary.versions:
            when = v.published_at.strftime("%Y-%m-%d %H:%M") if v.published_at else "-"
            click.echo(f"  v{v.version:<3} {v.status:9} {when:16}  {v.published_by or '-':12} "
                       f"open cases {v.open_cases:<5} {v.change_note or ''}")


@process.command("publish")
@db_option
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--note", required=True, help="What changed and why (shown in the version list).")
@click.option("--by", "by", default="casegrid cli", show_default=True, help="Who publishes it.")
@friendly_errors
def publish(db_url: str | None, file: Path, note: str, by: str) -> None:
    """Publish FILE as the next version of its process (new cases use it; running cases keep theirs)."""
    service = _service(db_url)
    with service.db.reading() as session:  # business rule tasks against the published decision tables
        problems = _check(str(file), session)
    if problems:
        for problem in problems:
            click.echo(f"{file}: ERROR {problem.element_id}: {problem.message}")
        sys.exit(1)
    # Read as validation read it: the file's own encoding (a UTF-16 export publishes as it validated).
    version = service.publish_file(diagram_text(file.read_bytes()), note=note, by=by)
    click.echo(f"published {version.key} v{version.version} ({version.sha256[:12]})")
