"""The data catalogue (数据目录): every personal field casegrid stores, its class and how it is protected."""
from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from engine.privacy.catalogue import CATALOGUE, LEVELS
from engine.privacy.retention import RetentionPolicy
from web.access import roles
from web.admin.blueprint import bp


@bp.route("/data-catalogue")
@roles("admin")
def data_catalogue() -> ResponseReturnValue:
    order = list(LEVELS)
    fields = sorted(CATALOGUE, key=lambda f: (-order.index(f.level), f.key))
    try:
        policy, policy_error = RetentionPolicy.from_env(), None
    except Exception as exc:  # noqa: BLE001 - a bad $CASEGRID_RETENTION is shown, not a 500
        policy, policy_error = None, getattr(exc, "message", str(exc))
    return render_template("admin/data_catalogue.html", fields=fields, levels=LEVELS, policy=policy,
                           policy_error=policy_error)
