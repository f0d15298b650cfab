"""Administration: users, departments, grids, categories and API tokens (role ``admin`` only)."""
from __future__ import annotations

from flask import Flask

from web.admin import integrations, organisation, privacy, sso, tokens, users  # noqa: F401  (they register their views on bp)
from web.admin.blueprint import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
