"""The ``casegrid simulate`` command (registered on the ``casegrid`` group by :mod:`engine.cli`)."""
from __future__ import annotations

import sys

import click
from tqdm import tqdm

from engine.bootstrap import init_database
from engine.cli_support import db_option, friendly_errors
from engine.config import database_url
from engine.simulate import MAX_CASES, MAX_DAYS, run_simulation
from engine.simulate.summary import format_summary


@click.command()
@db_option
@click.option("--cases", type=click.IntRange(1, MAX_CASES), required=True, help="How many cases arrive.")
@click.option("--days", type=click.IntRange(1, MAX_DAYS), default=30, show_default=True,
              help="Over how many days they arrive (every case is then followed to its end).")
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed writes the same events.")
@click.option("--db-url", "db_url_alias", metavar="URL", default=None, help="Same as --db.")
@friendly_errors
def simulate(db_url: str | None, cases: int, days: int, seed: int, db_url_alias: str | None) -> None:
    """Drive a district's workload through the engine in simulated time and print what happened.

    Arrivals follow office hours, weekdays and bursts; cases take every path of the civic loop and
    of mediation (council decisions, department returns, missed deadlines, reopenings, several
    sessions). Writes into the database like real use: use a database of its own.
    """
    db = init_database(database_url(db_url or db_url_alias))[0]
    try:
        with tqdm(total=cases, desc="simulate", unit="case", file=sys.stderr) as bar:
            summary = run_simulation(db, cases=cases, days=days, seed=seed, progress=bar.update)
    finally:
        db.dispose()
    click.echo(format_summary(summary))
