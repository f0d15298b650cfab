"""新建案件: staff start a case of any published process from its start event's form."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.bpmn.forms import FormSpec
from engine.errors import ConflictError, ValidationError
from web import services
from web.access import current_actor, roles
from web.cases.blueprint import bp
from web.inbox.task_form import TaskForm
from web.wording import names_in_words

#: Who starts cases here (the engine narrows it to the roles each process's start lane names).
STARTERS = ("grid_worker", "council", "department", "mediator", "supervisor")
#: The pages of the domains that open their cases themselves (:meth:`HookRegistry.own_intake`), and who uses them.
INTAKE_PAGES = {"report": ("public.report", {"grid_worker", "supervisor"}),
                "mediation": ("mediation.new", {"grid_worker", "supervisor"}),
                "projects": ("projects.new", {"grid_worker", "council", "supervisor"})}


class StartForm(TaskForm):
    """A task form without the case version: there is no case yet."""

    case_version = None  # type: ignore[assignment]


def _options(spec: FormSpec) -> dict[str, dict[str, str]]:
    sources = {f.options_source for f in spec.fields if f.options_source}
    options: dict[str, dict[str, str]] = {}
    if "departments" in sources:
        options["departments"] = names_in_words(services.people().departments())
    if "grids" in sources:
        options["grids"] = names_in_words(services.people().grids())
    return options


@bp.route("/new")
@roles(*STARTERS)
def new() -> ResponseReturnValue:
    startable = services.cases().startable(current_actor())
    role = current_actor().role
    links = {s.key: url_for(INTAKE_PAGES[s.own_intake][0])
             if s.own_intake in INTAKE_PAGES and role in INTAKE_PAGES[s.own_intake][1] else None for s in startable}
    return render_template("cases/new.html", startable=[s for s in startable if s.own_intake is None or links[s.key]],
                           links=links)


@bp.route("/new/<key>", methods=["GET", "POST"])
@roles(*STARTERS)
def start(key: str) -> ResponseReturnValue:
    try:
        name, spec = services.cases().start_form(key, current_actor())
    except ConflictError:
        # The civic loop and mediation open their cases on pages of their own: go there.
        own = next((s.own_intake for s in services.cases().startable(current_actor()) if s.key == key), None)
        if own in INTAKE_PAGES and current_actor().role in INTAKE_PAGES[own][1]:
            return redirect(url_for(INTAKE_PAGES[own][0]))
        raise
    form = StartForm.for_task(spec, options=_options(spec))
    messages: list[str] = []
    if form.validate_on_submit():
        try:
            case = services.cases().start_case(key, form.engine_data(), current_actor())
        except ValidationError as error:
            messages = form.add_engine_errors(error.field_errors) or ([] if error.field_errors else [error.message])
        else:
            flash(_("已登记“%(name)s”案件 %(code)s。", name=name, code=case.tracking_code))
            return redirect(url_for("cases.detail", code=case.tracking_code))
    status = 400 if form.is_submitted() else 200
    return render_template("cases/start.html", key=key, name=name, form=form, messages=messages), status
