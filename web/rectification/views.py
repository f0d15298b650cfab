"""Rectification items for staff: load → check access (roles here, the rest in the engine) → act. A refused
form comes back with the engine's messages next to its fields."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import ValidationError
from engine.rectification.operations import STATUSES
from engine.rectification.service import RectificationService
from web.access import current_actor, roles
from web.engine_errors import place_engine_errors
from web.rectification.blueprint import bp
from web.rectification.forms import RaiseForm, SubmitForm, VerifyForm

#: Who follows the lists: the staff, and departments their own items (the engine checks which items).
READERS = ("grid_worker", "council", "supervisor", "auditor", "admin", "department")
#: Who lists problems, reports rectifications and verifies them (the engine checks the same).
RAISERS = ("supervisor", "auditor", "council")
REPORTERS = ("grid_worker", "council", "supervisor", "department")
VERIFIERS = ("supervisor", "auditor")


def rectification() -> RectificationService:
    service: RectificationService = current_app.extensions["casegrid.rectification"]
    return service


@bp.route("")
@roles(*READERS)
def index() -> ResponseReturnValue:
    actor = current_actor()
    status = request.args.get("status", "")
    status = status if status in STATUSES else ""
    overdue = request.args.get("overdue") == "1"
    community = request.args.get("community", "")[:100].strip() or None
    return render_template("rectification/index.html", rows=rectification().items(
        actor, status=status or None, overdue=overdue, community=community),
        summary=rectification().summary(actor), status=status, overdue=overdue, community=community or "",
        statuses=STATUSES)


@bp.route("/new", methods=["GET", "POST"])
@roles(*RAISERS)
def new() -> ResponseReturnValue:
    ref = request.args.get("source", "")[:40]
    source = rectification().source(ref, current_actor())  # NotFound: 404
    form = RaiseForm()
    if not form.is_submitted():
        return render_template("rectification/new.html", form=form, source=source, messages=[])
    if not form.validate():
        return render_template("rectification/new.html", form=form, source=source, messages=[]), 400
    try:
        ids = rectification().raise_items(source.ref, form.items.data, current_actor())
    except ValidationError as error:
        messages = place_engine_errors(form, error.field_errors) or ([] if error.field_errors else [error.message])
        return render_template("rectification/new.html", form=form, source=source, messages=messages), 400
    flash(_("已列入整改清单 %(n)d 项", n=len(ids)))
    return redirect(url_for("rectification.index"))


@bp.route("/<int:item_id>")
@roles(*READERS)
def item(item_id: int) -> ResponseReturnValue:
    return _item_page(item_id)


def _item_page(item_id: int, status: int = 200, messages: list[str] | None = None, **forms: object) -> ResponseReturnValue:
    actor = current_actor()
    page = rectification().item(item_id, actor)
    state = page.row.status
    submit_form = (forms.get("submit") or SubmitForm()) if page.may_report and state == "open" else None
    verify_form = ((forms.get("verify") or VerifyForm()) if actor.role in VERIFIERS and state == "submitted"
                   and page.submitted_by != actor.username else None)
    return render_template("rectification/item.html", page=page, messages=messages or [], submit_form=submit_form,
                           verify_form=verify_form), status


@bp.route("/<int:item_id>/submit", methods=["POST"])
@roles(*REPORTERS)
def submit(item_id: int) -> ResponseReturnValue:
    form = SubmitForm()
    if not form.validate():
        return _item_page(item_id, 400, submit=form)
    try:
        rectification().submit(item_id, measures=form.measures.data, evidence=form.evidence.data,
                               actor=current_actor())
    except ValidationError as error:
        return _item_page(item_id, 400, place_engine_errors(form, error.field_errors), submit=form)
    flash(_("已报送整改情况，待核验"))
    return redirect(url_for("rectification.item", item_id=item_id))


@bp.route("/<int:item_id>/verify", methods=["POST"])
@roles(*VERIFIERS)
def verify(item_id: int) -> ResponseReturnValue:
    form = VerifyForm()
    if not form.validate():
        return _item_page(item_id, 400, verify=form)
    accepted = form.decision.data == "accept"
    try:
        rectification().verify(item_id, accepted=accepted, note=form.note.data or "", actor=current_actor())
    except ValidationError as error:
        return _item_page(item_id, 400, place_engine_errors(form, error.field_errors), verify=form)
    flash(_("已确认整改完毕") if accepted else _("已退回重新整改"))
    return redirect(url_for("rectification.item", item_id=item_id))
