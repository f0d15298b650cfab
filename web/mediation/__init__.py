"""The mediator's workspace: dispute mediation cases, their parties, sessions and agreements."""
from __future__ import annotations

from flask import Flask

from engine.mediation.service import MediationService
from web.mediation import views  # noqa: F401  (registers the routes on the blueprint)
from web.mediation.blueprint import bp
from web.mediation.links import mediation_links


def init_app(app: Flask) -> None:
    cases = app.extensions["casegrid.cases"]
    app.extensions["casegrid.mediation"] = MediationService(cases.db, cases.clock, cases.hooks)
    # The case page (web/cases) shows where a mediation came from and what an issue became.
    app.add_template_global(mediation_links, "mediation_links")
    app.register_blueprint(bp)
