"""A new process: from the blank template or by importing a .bpmn file, then the import dialog.

Importing stores the file as a draft under the key and name the supervisor gives (nothing else
changed), then asks what the diagram cannot say for itself: which casegrid role each lane stands
for and whether the translated conditions are right. The answers are written into the draft,
which the supervisor then checks and publishes on the version page like any other.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.bpmn.parser import MAX_BPMN_BYTES
from engine.errors import SpecError, ValidationError
from engine.people.roles import Role
from web.access import roles
from web.processes import labels
from web.processes.blueprint import EDITORS, bp
from web.processes.forms import NewProcessForm, import_form
from web.processes.support import by, problems_from, processes


def _read_upload(form: NewProcessForm) -> str | None:
    upload = form.diagram.data
    if upload is None or not getattr(upload, "filename", ""):
        form.diagram.errors = [*form.diagram.errors, _("请选择要导入的 .bpmn 文件")]
        return None
    try:
        raw = upload.read(MAX_BPMN_BYTES + 1)
    finally:
        upload.close()  # a large upload is spooled to a temporary file: give it back now
    if len(raw) > MAX_BPMN_BYTES:
        form.diagram.errors = [*form.diagram.errors, _("文件超过 %(max)d 字节", max=MAX_BPMN_BYTES)]
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        form.diagram.errors = [*form.diagram.errors, _("文件不是 UTF-8 编码的 BPMN 流程图")]
        return None


@bp.route("/new", methods=["GET", "POST"])
@roles(*EDITORS)
def new() -> ResponseReturnValue:
    form = NewProcessForm()
    if not form.validate_on_submit():
        return render_template("processes/new.html", form=form), 400 if form.is_submitted() else 200
    try:
        if form.source.data == "blank":
            draft = processes().create_blank(form.key.data or "", form.name.data or "", by=by())
            flash(_("已创建流程“%(name)s”（草稿）：在编辑器中修改后检查并发布。", name=draft.name))
            return redirect(url_for("processes.edit", version_id=draft.id))
        xml = _read_upload(form)
        if xml is None:
            return render_template("processes/new.html", form=form), 400
        processes().review_import(xml)  # refuses what is not a BPMN diagram at all, before anything is stored
        draft = processes().import_diagram(xml, form.key.data or "", form.name.data or "", by=by(),
                                           translate_conditions=False)
    except ValidationError as exc:
        for name, message in exc.field_errors.items():
            field = getattr(form, name, None)
            if field is not None:
                field.errors = [*field.errors, message]
            else:
                form.diagram.errors = [*form.diagram.errors, message]
        return render_template("processes/new.html", form=form), 400
    except SpecError as exc:
        return render_template("processes/new.html", form=form,
                               problems=problems_from(exc.problems or [exc.message])), 400
    return redirect(url_for("processes.import_review", version_id=draft.id))


@bp.route("/versions/<int:version_id>/import", methods=["GET", "POST"])
@roles(*EDITORS)
def import_review(version_id: int) -> ResponseReturnValue:
    """The import dialog: a role for each lane, the conditions' translations to confirm."""
    version = processes().version(version_id)
    if version.status != "draft":
        flash(_("只有草稿可以重新映射泳道；请先从该版本新建草稿。"), "error")
        return redirect(url_for("processes.version", version_id=version_id))
    review = processes().review_import(version.xml)
    form = import_form(review.lanes, needs_lane=review.needs_lane)
    if request.method == "POST" and form.validate_on_submit():
        mapping = {lane.id: Role(form[f"lane_{i}"].data) for i, lane in enumerate(review.lanes)}
        try:
            everything = Role(form["lane_all"].data) if review.needs_lane else None
            processes().remap_draft(version_id, by(), mapping, translate_conditions=bool(form.translate.data),
                                    lane_for_all=everything)
        except ValidationError as exc:
            flash("；".join(exc.field_errors.values()) or exc.message, "error")
        else:
            flash(_("已把泳道映射和条件转换写入草稿。请检查后发布。"))
            return redirect(url_for("processes.version", version_id=version_id))
    status = 400 if form.is_submitted() else 200
    return render_template("processes/import.html", version=version, review=review, form=form,
                           labels=labels), status
