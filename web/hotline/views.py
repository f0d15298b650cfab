"""The supervisors' 12345 work order pages."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.errors import ConflictError, ValidationError
from engine.hotline import HotlineBoard
from engine.hotline.board import DUE_FILTERS, STATES
from web.access import current_actor, roles
from web.auth.forms import EmptyForm
from web.hotline.blueprint import bp

SUPERVISORS = ("supervisor",)


def _board() -> HotlineBoard:
    board: HotlineBoard = current_app.extensions["casegrid.hotline_board"]
    return board


@bp.route("")
@roles(*SUPERVISORS)
def index() -> ResponseReturnValue:
    state = request.args.get("state", "")
    due = request.args.get("due", "all")
    failed = request.args.get("failed", "") == "1"
    try:
        orders = _board().orders(current_actor(), state=state, due=due, failed_only=failed)
        problem = None
    except ValidationError:  # a hand-made filter: say so, show the unfiltered list's first page instead
        orders, problem = _board().orders(current_actor()), _("筛选条件无效，已显示全部工单。")
        state, due, failed = "", "all", False
    return render_template("hotline/index.html", orders=orders, state=state, due=due, failed=failed,
                           states=STATES, dues=DUE_FILTERS, problem=problem), 400 if problem else 200


@bp.route("/orders/<order_no>")
@roles(*SUPERVISORS)
def detail(order_no: str) -> ResponseReturnValue:
    return render_template("hotline/detail.html", detail=_board().order(order_no, current_actor()),
                           retry_form=EmptyForm())


@bp.route("/callbacks/<int:callback_id>/retry", methods=["POST"])
@roles(*SUPERVISORS)
def retry(callback_id: int) -> ResponseReturnValue:
    form = EmptyForm()
    if not form.validate_on_submit():
        flash(_("页面已过期，请重试。"), "error")
        return redirect(url_for("hotline.index"))
    try:
        order_no = _board().retry_callback(callback_id, current_actor())
    except ConflictError as exc:
        flash(exc.message, "error")
        return redirect(url_for("hotline.index"))
    flash(_("已重新排队发送工单 %(no)s 的回调，下次清扫时发送。", no=order_no), "success")
    return redirect(url_for("hotline.detail", order_no=order_no))
