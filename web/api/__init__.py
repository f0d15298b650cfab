"""The JSON API for the same operations as the UI, described by an OpenAPI document (``/api/openapi.json``)."""
from __future__ import annotations

from flask import Flask

from engine.people.tokens import TokenService
from engine.hotline import HotlineService
from engine.public.resident_app import ResidentAppService
from web.api import (  # noqa: F401  (they register their views on bp)
    case_types,
    dispatch,
    evidence,
    hotline,
    openapi,
    resident,
    views,
)
from web.api.blueprint import bp


def init_app(app: Flask) -> None:
    cases = app.extensions["casegrid.cases"]
    app.extensions["casegrid.tokens"] = TokenService(cases.db, cases.clock)
    app.extensions["casegrid.resident_app"] = ResidentAppService(cases.db, cases.clock, cases.hooks,
                                                                 cases.max_files_per_case)
    app.extensions["casegrid.hotline"] = HotlineService(cases.db, cases.clock, cases.hooks,
                                                        category_map=app.config["HOTLINE_CATEGORY_MAP"])
    app.register_blueprint(bp)
