"""The ``casegrid`` command. Each command prints a clear error and exits non-zero on bad input."""
from __future__ import annotations

import sys
from importlib.metadata import entry_points

import click
from tqdm import tqdm

from engine.audit.cli import COMMANDS as AUDIT_COMMANDS
from engine.bootstrap import init_database
from engine.cases.queries import list_cases
from engine.cli_format import format_case, format_replay
from engine.cli_support import db_option, friendly_errors
from engine.config import database_url
from engine.db import Database
from engine.demo.mediation_scenarios import MEDIATION_SCENARIOS
from engine.demo.organisation import DEMO_PASSWORD, USERS
from engine.demo.run import run_demo
from engine.demo.scenarios import SCENARIOS
from engine.people.tokens_cli import tokens as tokens_command
from engine.service import CaseService
from engine.simulate.cli import simulate as simulate_command
from engine.specs.cli import process as process_command


def _database(db_url: str | None) -> Database:
    """Open the configured database, creating or migrating it first (every command can run first)."""
    db = init_database(database_url(db_url))[0]
    click.get_current_context().call_on_close(db.dispose)
    return db


@click.group()
def main() -> None:
    """casegrid — 社区治理案件管理（case management for community governance)."""


@main.command()
@db_option
@friendly_errors
def init(db_url: str | None) -> None:
    """Create or migrate the database and load the seed process diagrams."""
    url = database_url(db_url)
    db, loaded = init_database(url)
    db.dispose()
    click.echo(f"database ready: {url}")
    for version in loaded:
        click.echo(f"loaded {version.key} v{version.version} ({version.sha256[:12]})")


@main.command()
@db_option
@click.option("--rounds", default=2, show_default=True, type=click.IntRange(1, 1000),
              help="How many times to run every scenario.")
@click.option("--no-serve", is_flag=True, help="Only seed the demo data; do not start the web UI.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="Port of the web UI.")
@click.pass_context
@friendly_errors
def demo(ctx: click.Context, db_url: str | None, rounds: int, no_serve: bool, port: int) -> None:
    """Seed a demo street office, drive cases through every path of the civic loop, then serve the UI."""
    db = _database(db_url)
    with tqdm(total=rounds * (len(SCENARIOS) + len(MEDIATION_SCENARIOS)), desc="demo cases", unit="case",
              file=sys.stderr) as bar:
        summary = run_demo(db, rounds=rounds, progress=bar.update)
    click.echo(f"demo: {len(summary.cases)} cases in {db.url}")
    click.echo("  by status:  " + ", ".join(f"{k} {v}" for k, v in sorted(summary.by_status.items())))
    click.echo("  by outcome: " + ", ".join(f"{k} {v}" for k, v in sorted(summary.by_outcome.items())))
    votes = ", ".join(f"{k} {v}" for k, v in sorted(summary.household_votes.items())) or "none"
    click.echo(f"  council:    {summary.meetings} meeting(s) held; household votes: {votes}")
    click.echo("next: casegrid cases | casegrid show CODE | casegrid verify")
    serve = main.get_command(ctx, "serve")
    if no_serve or serve is None:
        return
    click.echo(f"demo accounts (password {DEMO_PASSWORD}):")
    for username, (display, role, *_rest) in USERS.items():
        click.echo(f"  {username:10} {role:12} {display}")
    ctx.invoke(serve, db_url=db.url, host="127.0.0.1", port=port)


@main.command()
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


@main.command()
@db_option
@click.argument("case_ref")
@friendly_errors
def show(db_url: str | None, case_ref: str) -> None:
    """Print a case (by tracking code or id) with its open work and its events."""
    service = CaseService(_database(db_url))
    click.echo(format_case(service.case(case_ref), service.work_items(case_ref), service.events(case_ref)))


@main.command()
@db_option
@click.argument("case_ref")
@click.option("--upto", "upto_seq", type=click.IntRange(1), default=None, help="Stop after this event seq.")
@friendly_errors
def replay(db_url: str | None, case_ref: str, upto_seq: int | None) -> None:
    """Rebuild a case from its events alone and print the state after event SEQ."""
    replayed = CaseService(_database(db_url)).replay(case_ref, upto_seq)
    click.echo(format_replay(replayed))


@main.command()
@db_option
@click.argument("case_ref", required=False)
@friendly_errors
def verify(db_url: str | None, case_ref: str | None) -> None:
    """Check every hash chain and that every case replays to its snapshot."""
    checks = CaseService(_database(db_url)).verify(case_ref)
    bad = [c for c in checks if not c.ok]
    if bad:
        first = bad[0]
        click.echo(f"FAILED: case {first.tracking_code} (id {first.case_id}) at seq {first.bad_seq}: {first.problem}")
        if len(bad) > 1:
            click.echo(f"{len(bad) - 1} more case(s) failed")
        sys.exit(1)
    click.echo(f"verified {len(checks)} cases, {sum(c.events for c in checks)} events")


@main.command()
@db_option
@friendly_errors
def tick(db_url: str | None) -> None:
    """Fire every due timer now (what the scheduled SLA sweep calls)."""
    fired = CaseService(_database(db_url)).tick()
    timers = sum(len(r.fired_timers) for r in fired)
    click.echo(f"fired {timers} timer(s) in {len(fired)} case(s)")


main.add_command(process_command)
main.add_command(simulate_command)
main.add_command(tokens_command)
for _command in AUDIT_COMMANDS:
    main.add_command(_command)


def _load_plugins() -> None:
    """Commands contributed by the other parts (web, workflows) through the ``casegrid.cli`` entry points.

    The engine never imports them by name: the dependency stays one-way.
    """
    for entry_point in entry_points(group="casegrid.cli"):
        entry_point.load()(main)


_load_plugins()
