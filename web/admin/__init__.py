"""Administration: users, departments, grids and categories."""
from __future__ import annotations

from flask import Flask

from web.admin.blueprint import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
