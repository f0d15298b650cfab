"""The council's screens (agenda, the sitting, household votes) and the public voting pages."""
from __future__ import annotations

from flask import Flask

from engine.council.rules import DEFAULT
from engine.council.service import CouncilService
from web.council import ballots, views  # noqa: F401  (registers the routes on the blueprints)
from web.council.blueprint import bp, vote_bp


def init_app(app: Flask) -> None:
    cases = app.extensions["casegrid.cases"]
    # ``COUNCIL_SETTINGS`` (an engine.council.rules.CouncilSettings) changes quorum and thresholds.
    app.extensions["casegrid.council"] = CouncilService(cases.db, cases.clock, cases.hooks,
                                                        app.config.get("COUNCIL_SETTINGS", DEFAULT),
                                                        max_files_per_case=cases.max_files_per_case)
    app.register_blueprint(bp)
    app.register_blueprint(vote_bp)
