"""``casegrid export``, ``casegrid verify-bundle`` and ``casegrid checkpoint`` (and the ``casegrid audit`` group).

Exports and heads are signed with the private key ``$CASEGRID_AUDIT_SIGNING_KEY`` names (or the one at
the default path outside the instance folder, see :mod:`engine.audit.keystore`). ``verify-bundle`` needs
the signer's public key and nothing else; without one it refuses to call a bundle verified.
"""
from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

import click

from engine.audit.bundle import export_case, verify_bundle
from engine.audit.checkpoints import review_checkpoints, sign_checkpoint
from engine.audit.keys import environment_key, environment_ring
from engine.audit.keystore import PUBLIC_KEYS_ENV, read_ring
from engine.audit.log_cli import audit
from engine.bootstrap import init_database
from engine.cli_support import db_option, evidence_option, friendly_errors
from engine.clock import SystemClock
from engine.config import database_url, evidence_location
from engine.db import Database
from engine.evidence.bundle import evidence_section
from engine.evidence.stores import open_store
from engine.people.actor import Actor


def _database(db_url: str | None) -> Database:
    db = init_database(database_url(db_url))[0]
    click.get_current_context().call_on_close(db.dispose)
    return db


def _operator() -> Actor:
    """Who runs the command, as the access log records it."""
    return Actor(username=f"cli:{getpass.getuser()}"[:80], role="operator")


@click.command()
@db_option
@click.argument("case_ref")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Where to write the bundle (JSON).")
@click.option("--reason", default="命令行导出", show_default=True, help="Why (written to the access log).")
@evidence_option
@click.option("--evidence-hashes-only", "hashes_only", is_flag=True,
              help="Carry only the evidence files' hashes and sizes, not the files (a smaller bundle).")
@friendly_errors
def export(db_url: str | None, case_ref: str, out: Path, reason: str, evidence: str | None, hashes_only: bool) -> None:
    """Write a case's signed, self-contained history (diagram, events, snapshot, inclusion proofs, evidence files)
    to FILE."""
    key = environment_key()
    store = open_store(evidence or evidence_location())
    with _database(db_url).transaction() as s:
        bundle = export_case(s, case_ref, _operator(), reason, key, at=SystemClock().now(),
                             evidence=lambda events: evidence_section(store, events, with_files=not hashes_only))
    out.write_bytes(bundle.data)
    click.echo(f"exported {bundle.tracking_code} to {out} (signed with {key.profile} key {key.key_id})")


@click.command("verify-bundle")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--public-key", "public_keys", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=f"The signer's public key ring (repeatable; default ${PUBLIC_KEYS_ENV}).")
@friendly_errors
def verify_bundle_command(file: Path, public_keys: tuple[Path, ...]) -> None:
    """Check an exported bundle without the database: hash chain, replay to the snapshot, signature and proofs."""
    paths = list(public_keys) or ([Path(os.environ[PUBLIC_KEYS_ENV])] if os.environ.get(PUBLIC_KEYS_ENV) else [])
    check = verify_bundle(file.read_bytes(), read_ring(paths) if paths else None)
    for line in check.passed:
        click.echo(f"ok: {line}")
    for line in check.notes:
        click.echo(f"note: {line}")
    if not check.ok:
        for line in check.problems:
            click.echo(f"FAILED: {line}")
        if not paths:
            click.echo("NOT VERIFIED: without the signer's public key (--public-key FILE) nobody can tell this "
                       "file from a forgery")
        sys.exit(1)
    click.echo(f"bundle verified: case {check.tracking_code}, {check.events} events")


@click.command()
@db_option
@click.option("--verify", "check", is_flag=True, help="Check the log and its heads instead of signing.")
@friendly_errors
def checkpoint(db_url: str | None, check: bool) -> None:
    """Sign a tree head of the Merkle log now (the sweep does every 10 minutes), or check them with --verify."""
    db = _database(db_url)
    if check:
        with db.reading() as s:
            review = review_checkpoints(s, environment_ring())
        for note in review.notes:
            click.echo(f"note: {note}")
        if review.problems:
            for problem in review.problems:
                click.echo(f"FAILED: {problem}")
            sys.exit(1)
        click.echo(f"checkpoints verified: {review.checkpoints} signed heads over {review.heads} leaves")
        return
    key = environment_key()
    with db.transaction() as s:
        result = sign_checkpoint(s, key, at=SystemClock().now(), by=_operator().username)
    info = result.checkpoint
    if result.created:
        click.echo(f"checkpoint #{info.id}: signed head over {info.events} leaves ({info.changed} new; "
                   f"{info.algorithm} key {info.key_id})")
    else:
        click.echo(f"nothing new since checkpoint #{info.id}")


COMMANDS = (export, verify_bundle_command, checkpoint, audit)
