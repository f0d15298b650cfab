"""SLA sweep (every minute): fire due timers — escalating missed deadlines, failures becoming incidents —
then send the outbox: the stages of :func:`engine.sweep.stages.default_stages`, under the sweep lease.

Only cases whose indexed ``case.next_timer_at`` is due are read, one transaction per case; one
process sweeps at a time (the lease), and even two overlapping sweeps never fire a timer twice (the
case row is locked and re-checked) nor send a notification twice (see :mod:`engine.notify.outbox`).
"""
from __future__ import annotations

from typing import Any

from prefect import flow

from workflows.tasks import sweep_cycle


@flow(name="sla-sweep", description="Fire due timers (escalations, incidents) and send pending notifications.")
def sla_sweep(db_url: str | None = None, sender: str | None = None) -> dict[str, Any]:
    """``sender``: ``module:attribute`` of a notification sender (default ``$CASEGRID_NOTIFY_SENDER`` or the log).

    Counts per stage (``{"timers": {...}, "outbox": {...}}``), or ``{"lease": …}`` when another process sweeps.
    """
    return sweep_cycle(db_url, sender)
