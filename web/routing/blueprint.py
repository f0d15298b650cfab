from __future__ import annotations

from flask import Blueprint, current_app

from engine.routing.service import EDITORS, READERS, RoutingTableService

bp = Blueprint("routing", __name__, template_folder="templates", url_prefix="/routing")

#: Supervisors edit and publish; auditors and admins read (as tuples for ``web.access.roles``).
EDIT = tuple(sorted(EDITORS))
READ = tuple(sorted(READERS))


def routing() -> RoutingTableService:
    return current_app.extensions["casegrid.routing"]
