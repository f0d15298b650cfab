"""SLA sweep (every minute): fire due timers — escalating missed deadlines — then send the outbox.

Only cases whose indexed ``case.next_timer_at`` is due are read, one transaction per case;
two sweeps at once never fire a timer twice (the case row is locked and re-checked) nor send
a notification twice (see :mod:`engine.notify.outbox`).
"""
from __future__ import annotations

import os

from prefect import flow

from workflows import steps
from workflows.tasks import fire_due_timers, send_notifications


@flow(name="sla-sweep", description="Fire due timers (escalations) and send pending notifications.")
def sla_sweep(db_url: str | None = None, sender: str | None = None) -> dict[str, int]:
    """``sender``: ``module:attribute`` of a notification sender (default ``$CASEGRID_NOTIFY_SENDER`` or the log)."""
    fired = fire_due_timers(db_url)
    sent = send_notifications(db_url, sender or os.environ.get(steps.SENDER_ENV))
    return {**fired, **sent}
