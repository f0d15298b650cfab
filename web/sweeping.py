"""The SLA sweep in the web process: started by ``casegrid serve`` / ``demo``, or by ``create_app`` when
``CASEGRID_SWEEP_IN_BACKGROUND`` is set (gunicorn: every worker starts one; the lease lets one sweep)."""
from __future__ import annotations

from datetime import timedelta

from flask import Flask

from engine.sweep.background import INTERVAL, BackgroundSweeper
from engine.sweep.stages import default_stages

def start_sweeper(app: Flask, interval: timedelta = INTERVAL) -> BackgroundSweeper:
    """Start sweeping in the background with the app's database, clock and process hooks."""
    cases = app.extensions["casegrid.cases"]
    stages = default_stages(cases.hooks)
    sweeper = BackgroundSweeper(cases.db, cases.clock, stages, interval).start()
    app.extensions["casegrid.sweeper"] = sweeper
    return sweeper
