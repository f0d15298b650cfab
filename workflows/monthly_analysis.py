"""月研判: hotspots by category × grid, repeat issues at one address, dispute hotspots.

Default period: the month that just ended.
See :mod:`engine.assessments.monthly` for what is counted and how.
"""
from __future__ import annotations

from typing import Any

from prefect import flow

from workflows.tasks import assessment


@flow(name="monthly-analysis", description=__doc__.splitlines()[0])
def monthly_analysis(period: str | None = None, db_url: str | None = None) -> dict[str, Any]:
    """Assess ``period`` (e.g. 2026-10) and store the run; returns its summary."""
    return assessment("monthly", period, db_url)
