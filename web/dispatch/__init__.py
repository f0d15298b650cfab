"""Dispatch as street offices run it: blow the whistle on a case (吹哨报到), a department's extension request
(申请延期) and its decision, the supervisor's urging (催办) — and the case page's 派单与报到 section."""
from __future__ import annotations

from flask import Flask

from engine.dispatch.service import DispatchService
from web.dispatch import links, views  # noqa: F401  (views registers the routes on the blueprint)
from web.dispatch.blueprint import bp


def init_app(app: Flask) -> None:
    cases = app.extensions["casegrid.cases"]
    app.extensions["casegrid.dispatch"] = DispatchService(cases.db, cases.clock, cases.hooks)
    for name, helper in links.helpers().items():
        app.add_template_global(helper, name)
    app.register_blueprint(bp)
