"""The version list, one version with its check, and publishing, retiring, comparing versions."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.errors import NotFound, SpecError, ValidationError
from engine.specs.models import ProcessVersion
from engine.specs.validation import Problem
from web.access import roles
from web.auth.forms import EmptyForm
from web.processes import labels
from web.processes.blueprint import EDITORS, bp
from web.processes.forms import DiffForm, PublishForm
from web.processes.support import by, problems_from, processes


@bp.route("")
@roles(*EDITORS)
def index() -> ResponseReturnValue:
    return render_template("processes/index.html", summaries=processes().processes(), labels=labels,
                           button=EmptyForm())


def _version_page(version: ProcessVersion, form: PublishForm, problems: list[Problem] | None = None,
                  status: int = 200) -> ResponseReturnValue:
    if problems is None:
        problems = processes().validate(version.id) if version.status == "draft" else []
    versions = processes().versions(version.key)
    row = next(v for v in versions if v.id == version.id)
    newer = [v for v in versions if v.status == "published" and v.version > version.version]
    older = [v for v in versions if v.version < version.version]
    return render_template("processes/version.html", version=row, problems=problems, form=form, labels=labels,
                           button=EmptyForm(), migrate_to=newer[-1] if newer else None,
                           previous=older[0] if older else None,
                           retirable=row.status == "published" and sum(v.status == "published" for v in versions) > 1
                           ), status


@bp.route("/versions/<int:version_id>")
@roles(*EDITORS)
def version(version_id: int) -> ResponseReturnValue:
    return _version_page(processes().version(version_id), PublishForm(formdata=None))


@bp.route("/versions/<int:version_id>/publish", methods=["POST"])
@roles(*EDITORS)
def publish(version_id: int) -> ResponseReturnValue:
    draft = processes().version(version_id)
    form = PublishForm()
    if not form.validate_on_submit():
        return _version_page(draft, form, status=400)
    try:
        published = processes().publish(version_id, form.change_note.data or "", by=by())
    except SpecError as exc:
        flash(_("流程图有问题，未发布：请先修改下列问题。"), "error")
        return _version_page(draft, form, problems_from(exc.problems or [exc.message]), status=400)
    except ValidationError as exc:
        form.change_note.errors = [*form.change_note.errors, *exc.field_errors.values()]
        return _version_page(draft, form, status=400)
    flash(_("已发布 %(key)s 第 %(version)s 版：新登记的案件将按此版本办理，在办案件仍按原版本办理。",
            key=published.name, version=published.version))
    return redirect(url_for("processes.index", _anchor=f"process-{published.key}"))


@bp.route("/versions/<int:version_id>/retire", methods=["POST"])
@roles(*EDITORS)
def retire(version_id: int) -> ResponseReturnValue:
    if not EmptyForm().validate_on_submit():
        abort(400)
    retired = processes().retire(version_id, by=by())
    flash(_("已停用 %(key)s 第 %(version)s 版：不再用于新案件，已按此版本办理的案件继续办理。",
            key=retired.name, version=retired.version))
    return redirect(url_for("processes.index", _anchor=f"process-{retired.key}"))


@bp.route("/versions/<int:version_id>/discard", methods=["POST"])
@roles(*EDITORS)
def discard(version_id: int) -> ResponseReturnValue:
    if not EmptyForm().validate_on_submit():
        abort(400)
    draft = processes().version(version_id)
    processes().discard(version_id, by=by())
    flash(_("已删除草稿 %(key)s 第 %(version)s 版。", key=draft.name, version=draft.version))
    return redirect(url_for("processes.index", _anchor=f"process-{draft.key}"))


@bp.route("/<key>/diff")
@roles(*EDITORS)
def diff(key: str) -> ResponseReturnValue:
    versions = processes().versions(key)
    if not versions:
        raise NotFound(_("流程 %(key)s 不存在", key=key))
    defaults = {"new": versions[0].id, "old": versions[1].id if len(versions) > 1 else versions[0].id}
    form = DiffForm(formdata=request.args if request.args else None, data=defaults, versions=versions)
    if request.args and not form.validate():
        return render_template("processes/diff.html", key=key, name=versions[0].name, form=form, result=None, labels=labels), 400
    old, new = (next(v for v in versions if v.id == form.old.data), next(v for v in versions if v.id == form.new.data))
    try:
        result = processes().diff(old.id, new.id)
    except SpecError as exc:
        flash(_("无法比较：%(message)s", message=exc.message), "error")
        return render_template("processes/diff.html", key=key, name=versions[0].name, form=form, result=None, labels=labels), 400
    return render_template("processes/diff.html", key=key, name=versions[0].name, form=form, result=result, old=old, new=new,
                           labels=labels)
