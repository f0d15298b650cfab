"""Projects for staff: load → check access (in the engine) → act. Tasks after 申报 use the inbox's form
built from the diagram, and 立项 is decided at a council sitting (web/council)."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import ValidationError
from engine.projects.service import ProjectService
from engine.rectification.service import RectificationService
from web import services
from web.access import current_actor, roles
from web.projects.blueprint import bp
from web.projects.forms import OperatorForm, ProposalForm, place_engine_errors
from web.wording import names_in_words

#: Staff who follow projects (the engine checks the same).
READERS = ("grid_worker", "council", "supervisor", "auditor", "admin")
#: Staff who register a 申报.
OPENERS = ("grid_worker", "council", "supervisor")
#: Staff who keep the operator registry.
REGISTRARS = ("supervisor", "admin")
#: Staff who list the problems an acceptance or evaluation found (web.rectification checks the same).
RAISERS = ("supervisor", "auditor", "council")


def projects() -> ProjectService:
    service: ProjectService = current_app.extensions["casegrid.projects"]
    return service


@bp.route("")
@roles(*READERS)
def index() -> ResponseReturnValue:
    return render_template("projects/index.html", rows=projects().projects(current_actor()),
                           may_propose=current_actor().role in OPENERS)


@bp.route("/new", methods=["GET", "POST"])
@roles(*OPENERS)
def new() -> ResponseReturnValue:
    form = ProposalForm(grids=names_in_words(services.people().grids()),
                        operators=projects().operators(current_actor()), data={"grid_code": current_actor().grid_code or ""})
    if not form.is_submitted():
        return render_template("projects/new.html", form=form, messages=[])
    if not form.validate():
        return render_template("projects/new.html", form=form, messages=[]), 400
    try:
        case = projects().open_project(form.to_intake(), current_actor())
    except ValidationError as error:
        messages = place_engine_errors(form, error.field_errors) or ([] if error.field_errors else [error.message])
        return render_template("projects/new.html", form=form, messages=messages), 400
    flash(_("已登记项目申报 %(code)s，待议事会会议评审立项", code=case.tracking_code))
    return redirect(url_for("projects.detail", code=case.tracking_code))


@bp.route("/operators")
@roles(*READERS)
def operators() -> ResponseReturnValue:
    return _operators_page(OperatorForm(), [])


@bp.route("/operators", methods=["POST"])
@roles(*REGISTRARS)
def register_operator() -> ResponseReturnValue:
    form = OperatorForm()
    if not form.validate():
        return _operators_page(form, [], 400)
    try:
        projects().register_operator(code=form.code.data, name=form.name.data, kind=form.kind.data,
                                     actor=current_actor())
    except ValidationError as error:
        return _operators_page(form, place_engine_errors(form, error.field_errors), 400)
    flash(_("已登记运营单位 %(name)s", name=form.name.data))
    return redirect(url_for("projects.operators"))


def _operators_page(form: OperatorForm, messages: list[str], status: int = 200) -> ResponseReturnValue:
    actor = current_actor()
    return render_template("projects/operators.html", rows=projects().operators(actor),
                           form=form if actor.role in REGISTRARS else None, messages=messages), status


@bp.route("/<code>")
@roles(*READERS)
def detail(code: str) -> ResponseReturnValue:
    actor = current_actor()
    page = projects().project(code, actor)
    rectification: RectificationService = current_app.extensions["casegrid.rectification"]
    return render_template("projects/detail.html", page=page, items=rectification.of_case(page.case_id, actor),
                           may_raise=actor.role in RAISERS)
