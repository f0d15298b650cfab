"""The mediator's workspace: dispute mediation cases, their parties, sessions and agreements."""
from __future__ import annotations

from flask import Flask

from engine.mediation.service import MediationService
from web.inbox.views import register_task_page
from web.mediation import views  # registers the routes on the blueprint
from web.mediation.blueprint import bp
from web.mediation.links import mediation_links


def init_app(app: Flask) -> None:
    cases = app.extensions["casegrid.cases"]
    app.extensions["casegrid.mediation"] = MediationService(cases.db, cases.clock, cases.hooks)
    # The case page (web/cases) shows where a mediation came from and what an issue became.
    app.add_template_global(mediation_links, "mediation_links")
    for form_key, endpoint in views.TASK_PAGES.items():
        register_task_page(app, form_key, endpoint)
    app.register_blueprint(bp)
