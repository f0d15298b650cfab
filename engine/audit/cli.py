"""``casegrid export``, ``casegrid verify-bundle`` and ``casegrid checkpoint``.

The key signing checkpoints and bundles is ``--key-file``, else ``$CASEGRID_AUDIT_KEY``,
else the instance folder's ``audit_key`` (created on first use). ``verify-bundle``
never creates a key: on another machine it checks what it can without one.
"""
from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

import click

from engine.audit.bundle import export_case, verify_bundle
from engine.audit.checkpoints import review_checkpoints, sign_checkpoint
from engine.audit.keys import (
    AUDIT_KEY_ENV,
    SigningKey,
    environment_key,
    key_from_text,
    read_key_file,
)
from engine.bootstrap import init_database
from engine.cli_support import db_option, friendly_errors
from engine.clock import SystemClock
from engine.config import database_url, instance_path
from engine.db import Database
from engine.people.actor import Actor

key_file_option = click.option("--key-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                               help=f"Audit key file (default: ${AUDIT_KEY_ENV} or instance/audit_key).")


def _database(db_url: str | None) -> Database:
    db = init_database(database_url(db_url))[0]
    click.get_current_context().call_on_close(db.dispose)
    return db


def _signing_key(key_file: Path | None) -> SigningKey:
    return read_key_file(key_file) if key_file else environment_key(instance_path())


def _operator() -> Actor:
    """Who runs the command, as the access log records it."""
    return Actor(username=f"cli:{getpass.getuser()}"[:80], role="operator")


@click.command()
@db_option
@click.argument("case_ref")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Where to write the bundle (JSON).")
@click.option("--reason", default="命令行导出", show_default=True, help="Why (written to the access log).")
@key_file_option
@friendly_errors
def export(db_url: str | None, case_ref: str, out: Path, reason: str, key_file: Path | None) -> None:
    """Write a case's signed, self-contained history (diagram, events, chain head, snapshot) to FILE."""
    key = _signing_key(key_file)
    with _database(db_url).transaction() as s:
        bundle = export_case(s, case_ref, _operator(), reason, key, at=SystemClock().now())
    out.write_bytes(bundle.data)
    click.echo(f"exported {bundle.tracking_code} to {out} (signed with key {key.key_id})")


@click.command("verify-bundle")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@key_file_option
@friendly_errors
def verify_bundle_command(file: Path, key_file: Path | None) -> None:
    """Check an exported bundle without the database: hash chain, replay to the snapshot, signatures."""
    text = os.environ.get(AUDIT_KEY_ENV)
    key = read_key_file(key_file) if key_file else key_from_text(text) if text else None
    check = verify_bundle(file.read_bytes(), key)
    for line in check.passed:
        click.echo(f"ok: {line}")
    for line in check.notes:
        click.echo(f"note: {line}")
    if not check.ok:
        for line in check.problems:
            click.echo(f"FAILED: {line}")
        sys.exit(1)
    click.echo(f"bundle verified: case {check.tracking_code}, {check.events} events")


@click.command()
@db_option
@key_file_option
@click.option("--verify", "check", is_flag=True, help="Check the existing checkpoints instead of signing.")
@friendly_errors
def checkpoint(db_url: str | None, key_file: Path | None, check: bool) -> None:
    """Sign every case's chain head now (run it periodically), or check the checkpoints with --verify."""
    key = _signing_key(key_file)
    db = _database(db_url)
    if check:
        with db.reading() as s:
            review = review_checkpoints(s, key)
        for note in review.notes:
            click.echo(f"note: {note}")
        if review.problems:
            for problem in review.problems:
                click.echo(f"FAILED: {problem}")
            sys.exit(1)
        click.echo(f"checkpoints verified: {review.checkpoints} checkpoints, {review.heads} signed heads")
        return
    with db.transaction() as s:
        result = sign_checkpoint(s, key, at=SystemClock().now(), by=_operator().username)
    info = result.checkpoint
    if result.created:
        click.echo(f"checkpoint #{info.id}: signed {info.changed} head(s); {info.cases} cases, {info.events} events "
                   f"(key {info.key_id})")
    else:
        click.echo(f"nothing new since checkpoint #{info.id}")


COMMANDS = (export, verify_bundle_command, checkpoint)
