"""周调度: open and overdue work per department and grid, the oldest items named.

Default period: the week running (a snapshot of the backlog now).
See :mod:`engine.assessments.weekly` for what is counted and how.
"""
from __future__ import annotations

from typing import Any

from prefect import flow

from workflows.tasks import assessment


@flow(name="weekly-dispatch", description=__doc__.splitlines()[0])
def weekly_dispatch(period: str | None = None, db_url: str | None = None) -> dict[str, Any]:
    """Assess ``period`` (e.g. 2026-W44) and store the run; returns its summary."""
    return assessment("weekly", period, db_url)
