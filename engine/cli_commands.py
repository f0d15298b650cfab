"""The engine's own ``casegrid`` commands (the root group in :mod:`engine.cli` loads this module only when one of
them runs). Each command prints a clear error and exits non-zero on bad input."""
from __future__ import annotations

import os
import sys
from datetime import timedelta

import click
from sqlalchemy.engine import make_url
from tqdm import tqdm

from engine.append_only import grant_app_role
from engine.audit.log_records import merkle_log_problems
from engine.bootstrap import init_database
from engine.cases.queries import list_cases
from engine.cli_format import format_case, format_replay
from engine.cli_support import clock_offset_option, db_option, duration_callback, evidence_option, friendly_errors
from engine.config import database_url, evidence_location
from engine.db import Database
from engine.evidence.service import EvidenceService
from engine.evidence.stores import open_store
from engine.demo.mediation_scenarios import MEDIATION_SCENARIOS
from engine.demo.organisation import DEMO_PASSWORD, USERS
from engine.demo.run import run_demo
from engine.demo.scenarios import SCENARIOS
from engine.cases.service import CaseService
from engine.org.scope import unit_code
from engine.org.service import units as org_units
from engine.people.unit_config import effective_configuration
from engine.specs.decisions import published_decisions


def _database(db_url: str | None) -> Database:
    """Open the configured database, creating or migrating it first (every command can run first)."""
    db = init_database(database_url(db_url))[0]
    click.get_current_context().call_on_close(db.dispose)
    return db


@click.command()
@db_option
@click.option("--app-role", metavar="ROLE", help="PostgreSQL: create or update the application's role, which may "
              "read and insert into the log tables but never update or delete them (run init as the owner).")
@click.option("--app-password-env", metavar="VAR", default="CASEGRID_APP_PASSWORD", show_default=True,
              help="Environment variable holding the application role's password (left unchanged if unset).")
@friendly_errors
def init(db_url: str | None, app_role: str | None, app_password_env: str) -> None:
    """Create or migrate the database and load the seed process diagrams."""
    url = database_url(db_url)
    db, loaded = init_database(url)
    try:
        if app_role:
            if db.is_sqlite:
                raise click.UsageError("--app-role needs PostgreSQL: SQLite has no roles")
            with db.engine.begin() as conn:
                grant_app_role(conn, app_role, os.environ.get(app_password_env))
    finally:
        db.dispose()
    # Passwords stay out of what is printed (a service's journal keeps it): the owner's is shown as ***.
    click.echo(f"database ready: {make_url(url).render_as_string(hide_password=True)}")
    for version in loaded:
        click.echo(f"loaded {version.key} v{version.version} ({version.sha256[:12]})")
    if app_role:
        app_url = make_url(url)._replace(username=app_role, password=None).render_as_string(hide_password=False)
        click.echo(f"application role {app_role}: may read and insert the log tables, never update or delete "
                   f"them; run the application with CASEGRID_DATABASE_URL={app_url} (with its password)")


@click.command()
@db_option
@click.option("--rounds", default=2, show_default=True, type=click.IntRange(1, 1000),
              help="How many times to run every scenario.")
@click.option("--no-serve", is_flag=True, help="Only seed the demo data; do not start the web UI.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="Port of the web UI.")
@click.option("--no-sweep", is_flag=True, help="Do not run the SLA sweep in the background while serving.")
@clock_offset_option
@click.pass_context
@friendly_errors
def demo(ctx: click.Context, db_url: str | None, rounds: int, no_serve: bool, port: int, no_sweep: bool,
         clock_offset: timedelta | None) -> None:
    """Seed a demo street office, drive cases through every path of the civic loop, then serve the UI
    (sweeping due deadlines every minute in the background)."""
    db = _database(db_url)
    held = _cases_held(db)
    if held:
        # Run again in the same folder (the README's first command, twice): the demo's one-off seeds (the joint
        # committee, the operator its failing project disqualified) stand already, so it serves what is there.
        click.echo(f"demo: {db.url} already holds {held} cases; serving them as they are "
                   "(remove the instance folder, or pass another --db, for a fresh demo)")
        _serve_demo(ctx, db, no_serve, port, no_sweep, clock_offset)
        return
    with tqdm(total=rounds * (len(SCENARIOS) + len(MEDIATION_SCENARIOS)), desc="demo cases", unit="case",
              file=sys.stderr) as bar:
        summary = run_demo(db, rounds=rounds, progress=bar.update)
    click.echo(f"demo: {len(summary.cases)} cases in {db.url}")
    click.echo("  by status:  " + ", ".join(f"{k} {v}" for k, v in sorted(summary.by_status.items())))
    click.echo("  by outcome: " + ", ".join(f"{k} {v}" for k, v in sorted(summary.by_outcome.items())))
    votes = ", ".join(f"{k} {v}" for k, v in sorted(summary.household_votes.items())) or "none"
    click.echo(f"  council:    {summary.meetings} meeting(s) held; household votes: {votes}")
    click.echo(f"  joint:      {summary.joint_sittings} sitting(s) of the 幸福里社区 joint committee with "
               f"{summary.joint_resolutions} resolution(s), minutes published on /board/幸福里社区; "
               f"{summary.rectification_items} rectification item(s) on /rectification")
    modes = ", ".join(f"{k} {v}" for k, v in sorted(summary.dispatches.items())) or "none"
    click.echo(f"  dispatch:   {modes}; {summary.without_council} of {summary.reached_department} cases that "
               "reached a department never went to the council")
    click.echo(f"  assessed:   the latest month and quarter with data (runs {', '.join(map(str, summary.assessments))}; "
               "/assessments in the web UI)")
    click.echo("next: casegrid cases | casegrid show CODE | casegrid verify")
    _serve_demo(ctx, db, no_serve, port, no_sweep, clock_offset)


def _cases_held(db: Database) -> int:
    from sqlalchemy import func, select

    from engine.cases.models import Case

    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(Case)) or 0


def _serve_demo(ctx: click.Context, db: Database, no_serve: bool, port: int, no_sweep: bool,
                clock_offset: timedelta | None) -> None:
    serve = ctx.find_root().command.get_command(ctx, "serve")  # type: ignore[attr-defined]
    if no_serve or serve is None:
        return
    click.echo(f"demo accounts (password {DEMO_PASSWORD}):")
    for username, (display, role, *_rest) in USERS.items():
        click.echo(f"  {username:10} {role:12} {display}")
    ctx.invoke(serve, db_url=db.url, host="127.0.0.1", port=port, sweep=not no_sweep, clock_offset=clock_offset)


@click.command()
@db_option
@click.option("--process", "process_key", default=None, help="Only this process (e.g. civic_loop).")
@click.option("--status", type=click.Choice(["open", "closed"]), default=None)
@friendly_errors
def cases(db_url: str | None, process_key: str | None, status: str | None) -> None:
    """List cases: tracking code, process, status, phase, outcome, title."""
    with _database(db_url).reading() as s:
        for case in list_cases(s, process_key=process_key, status=status):
            click.echo(f"{case.tracking_code}  {case.process_key}  {case.status:6}  {case.phase:9}  "
                       f"{case.outcome or '-':20}  {case.title}")


@click.command()
@db_option
@click.argument("case_ref")
@friendly_errors
def show(db_url: str | None, case_ref: str) -> None:
    """Print a case (by tracking code or id) with its open work and its events."""
    service = CaseService(_database(db_url))
    click.echo(format_case(service.case(case_ref), service.work_items(case_ref), service.events(case_ref)))


@click.command()
@db_option
@click.argument("case_ref")
@click.option("--upto", "upto_seq", type=click.IntRange(1), default=None, help="Stop after this event seq.")
@friendly_errors
def replay(db_url: str | None, case_ref: str, upto_seq: int | None) -> None:
    """Rebuild a case from its events alone and print the state after event SEQ."""
    replayed = CaseService(_database(db_url)).replay(case_ref, upto_seq)
    click.echo(format_replay(replayed))


@click.command()
@db_option
@click.argument("case_ref", required=False)
@evidence_option
@friendly_errors
def verify(db_url: str | None, case_ref: str | None, evidence: str | None) -> None:
    """Check every hash chain, that every case replays to its snapshot, and every evidence file's hash."""
    db = _database(db_url)
    checks = CaseService(db).verify(case_ref)
    files = EvidenceService(db, open_store(evidence or evidence_location())).check_files(
        [c.case_id for c in checks] if case_ref else None)
    bad = [c for c in checks if not c.ok]
    log_problems = [] if case_ref else merkle_log_problems(db)
    for problem in log_problems:
        click.echo(f"FAILED: Merkle log: {problem}")
    if bad:
        first = bad[0]
        click.echo(f"FAILED: case {first.tracking_code} (id {first.case_id}) at seq {first.bad_seq}: {first.problem}")
        if len(bad) > 1:
            click.echo(f"{len(bad) - 1} more case(s) failed")
    for file_problem in files.problems:
        click.echo(f"FAILED: case {file_problem.tracking_code} (id {file_problem.case_id}) at seq {file_problem.seq}: "
                   f"evidence {file_problem.problem} ({file_problem.sha256})")
    if bad or files.problems or log_problems:
        sys.exit(1)
    click.echo(f"verified {len(checks)} cases, {sum(c.events for c in checks)} events, {files.files} evidence files")


@click.command("evidence-sweep")
@db_option
@evidence_option
@click.option("--older-than", "older_than", default="24h", show_default=True, callback=duration_callback,
              metavar="AGE", help="Grace period: uploads never attached and last received longer ago than AGE.")
@friendly_errors
def evidence_sweep(db_url: str | None, evidence: str | None, older_than: timedelta) -> None:
    """Remove uploaded files that no case refers to (reports abandoned after their photos) once past AGE."""
    swept = EvidenceService(_database(db_url), open_store(evidence or evidence_location())).sweep_unattached(older_than)
    click.echo(f"removed {swept.uploads} unattached upload(s), {swept.files} stored file(s), "
               f"{swept.incoming} half-received upload(s)")


@click.command()
@db_option
@friendly_errors
def tick(db_url: str | None) -> None:
    """Fire every due timer now (what the scheduled SLA sweep calls)."""
    counts = CaseService(_database(db_url)).sweep_timers().counts()
    click.echo(f"fired {counts['timers']} timer(s) in {counts['cases']} case(s); {counts['failed']} case(s) failed "
               f"(incidents), {counts['skipped']} busy")



@click.command()
@db_option
@click.argument("code", required=False)
@friendly_errors
def units(db_url: str | None, code: str | None) -> None:
    """The organisation tree (市 → 区 → 街道 → 社区), or one unit's effective configuration and where each part comes from."""
    with _database(db_url).reading() as s:
        if code is None:
            for unit in org_units(s):
                click.echo(f"{'  ' * unit.depth}{unit.kind_label} {unit.code}  {unit.name}")
            return
        config = effective_configuration(s, code)
        click.echo(f"{config.unit.code}  {config.unit.name}  ({' → '.join(config.lineage)})")
        sections = (("categories", config.categories), ("departments", config.departments), ("grids", config.grids))
        for title, items in sections:
            click.echo(f"{title}:")
            for item in items:
                state = "" if item.active else "  (inactive)"
                click.echo(f"  {item.name}  [{item.code or '-'}]  from {item.from_unit}{state}")
        click.echo("routing tables:")
        for version in published_decisions(s):
            click.echo(f"  {version.key} v{version.version}  from {unit_code(s, version.unit_id)}")
        click.echo("process versions, SLA classes, notification templates: one set for the whole install "
                   "(not yet overridable per unit)")
