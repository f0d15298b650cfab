"""The version list, one version as a readable table with its check, a new draft, publishing."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.errors import SpecError, ValidationError
from web.access import current_actor, roles
from web.auth.forms import EmptyForm
from web.processes import labels
from web.processes.forms import PublishForm
from web.routing.blueprint import EDIT, READ, bp, routing


@bp.route("")
@roles(*READ)
def index() -> ResponseReturnValue:
    return render_template("routing/index.html", versions=routing().versions(current_actor()), labels=labels,
                           button=EmptyForm())


def _version_page(version_id: int, form: PublishForm, problems: list[str] | None = None,
                  status: int = 200) -> ResponseReturnValue:
    page = routing().page(version_id, current_actor())
    return render_template("routing/version.html", page=page, version=page.row, labels=labels, form=form,
                           problems=page.problems if problems is None else problems, button=EmptyForm()), status


@bp.route("/versions/<int:version_id>")
@roles(*READ)
def version(version_id: int) -> ResponseReturnValue:
    return _version_page(version_id, PublishForm(formdata=None))


@bp.route("/versions/<int:version_id>/new-draft", methods=["POST"])
@roles(*EDIT)
def new_draft(version_id: int) -> ResponseReturnValue:
    if not EmptyForm().validate_on_submit():
        abort(400)
    draft = routing().new_draft(version_id, current_actor())
    return redirect(url_for("routing.edit", version_id=draft.id))


@bp.route("/versions/<int:version_id>/publish", methods=["POST"])
@roles(*EDIT)
def publish(version_id: int) -> ResponseReturnValue:
    form = PublishForm()
    if not form.validate_on_submit():
        return _version_page(version_id, form, status=400)
    try:
        published = routing().publish(version_id, current_actor(), form.change_note.data or "")
    except SpecError as exc:
        flash(_("权责清单有问题，未发布：请先修改下列各行。"), "error")
        return _version_page(version_id, form, exc.problems or [exc.message], status=400)
    except ValidationError as exc:
        form.change_note.errors = [*form.change_note.errors, *exc.field_errors.values()]
        return _version_page(version_id, form, status=400)
    flash(_("已发布权责清单第 %(version)s 版：新登记的案件按此版本派单，在办案件仍按原版本办理。",
            version=published.version))
    return redirect(url_for("routing.version", version_id=published.id))
