"""The operations page and the incidents page with retry."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.errors import ConflictError
from engine.incidents import IncidentService
from engine.sweep.service import SweepService
from web.access import current_actor, roles
from web.auth.forms import EmptyForm
from web.ops.blueprint import bp

#: Who runs the system day to day: the street's supervisors, and the administrators.
OPERATORS = ("supervisor", "admin")


def _incidents() -> IncidentService:
    return current_app.extensions["casegrid.incidents"]


def _sweep() -> SweepService:
    return current_app.extensions["casegrid.sweep"]


@bp.route("")
@roles(*OPERATORS)
def index() -> ResponseReturnValue:
    return render_template("ops/index.html", status=_sweep().status(current_actor()))


@bp.route("/incidents")
@roles(*OPERATORS)
def incidents() -> ResponseReturnValue:
    actor = current_actor()
    return render_template("ops/incidents.html", open=_incidents().open_incidents(actor),
                           recent=_incidents().recent_incidents(actor), retry_form=EmptyForm())


@bp.route("/incidents/<int:incident_id>/retry", methods=["POST"])
@roles(*OPERATORS)
def retry(incident_id: int) -> ResponseReturnValue:
    if EmptyForm().validate_on_submit():
        try:
            outcome = _incidents().retry(incident_id, current_actor())
        except ConflictError as exc:  # resolved by someone else meanwhile, or the case is busy
            flash(exc.message, "error")
            return redirect(url_for("ops.incidents"))
        code = outcome.incident.tracking_code
        if outcome.outcome == "resolved":
            flash(_("案件 %(code)s 重试成功：到期的定时器已触发，异常已解决。", code=code), "success")
        elif outcome.outcome == "nothing_due":
            flash(_("案件 %(code)s 已没有到期的定时器，异常已关闭。", code=code), "success")
        else:
            flash(_("案件 %(code)s 重试仍然失败：%(error)s", code=code, error=outcome.error or ""), "error")
    return redirect(url_for("ops.incidents"))
