"""Open311 GeoReport v2 at ``/open311/v2``: services (the issue categories) and service requests (civic-loop cases).

Reading is public, as on the resident pages: what a request shows is what its
tracking page shows. Posting a request needs ``api_key``, an API token of a grid
worker's account (the integration files reports as that account), and counts against that
token's own quota (web/throttles.py); without a valid token, against the public form's.
"""
from __future__ import annotations

from flask import Flask

from engine.public.georeport import GeoReportService
from web.open311 import openapi, views  # noqa: F401  (importing them adds the routes to ``bp``)
from web.open311.blueprint import bp, http_error


def init_app(app: Flask) -> None:
    cases = app.extensions["casegrid.cases"]
    app.extensions["casegrid.georeport"] = GeoReportService(cases.db, cases.clock, cases.hooks)
    app.extensions["casegrid.open311_started"] = cases.clock.now()
    app.register_blueprint(bp)
    # Unknown paths and methods under /open311/ answer GeoReport's error list, not the HTML error page.
    app.extensions.setdefault("casegrid.error_formats", {})["/open311/"] = http_error
