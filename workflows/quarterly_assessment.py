"""季评估: KPIs per department and community against their targets, with the exit rule.

Default period: the quarter that just ended.
See :mod:`engine.assessments.quarterly` for what is counted and how.
"""
from __future__ import annotations

from typing import Any

from prefect import flow

from workflows.tasks import assessment


@flow(name="quarterly-assessment", description=__doc__.splitlines()[0])
def quarterly_assessment(period: str | None = None, db_url: str | None = None) -> dict[str, Any]:
    """Assess ``period`` (e.g. 2026Q3) and store the run; returns its summary."""
    return assessment("quarterly", period, db_url)
