"""Create or migrate a database and load the seed process versions (``casegrid init``)."""
from __future__ import annotations

from datetime import datetime

from bpmn import seed_decision_files, seed_files
from engine.clock import SystemClock
from engine.db import Database
from engine.schema import upgrade
from engine.specs.decisions import load_seed_decisions
from engine.specs.models import ProcessVersion
from engine.specs.operations import load_seed_files


def init_database(url: str, at: datetime | None = None) -> tuple[Database, list[ProcessVersion]]:
    """The database at ``url`` with the newest schema, the seed decision tables and every seed diagram published."""
    db = Database(url)
    upgrade(db.engine)
    at = at or SystemClock().now()
    with db.transaction() as session:
        load_seed_decisions(session, seed_decision_files(), by="casegrid init", at=at)
        loaded = load_seed_files(session, seed_files(), by="casegrid init", at=at)
    return db, loaded
