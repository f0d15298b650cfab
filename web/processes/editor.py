"""The in-browser editor: the diagram's XML, saving it as a draft, checking it."""
from __future__ import annotations

from flask import Response, abort, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.bpmn.parser import MAX_BPMN_BYTES
from engine.specs.models import ProcessVersion
from web.access import roles
from web.auth.forms import EmptyForm
from web.processes import labels
from web.processes.blueprint import EDITORS, bp
from web.processes.support import by, processes


@bp.route("/versions/<int:version_id>/edit")
@roles(*EDITORS)
def edit(version_id: int) -> ResponseReturnValue:
    return render_template("processes/editor.html", version=processes().version(version_id), labels=labels)


@bp.route("/versions/<int:version_id>/diagram.xml")
@roles(*EDITORS)
def diagram(version_id: int) -> ResponseReturnValue:
    xml = processes().version(version_id).xml
    return Response(xml, mimetype="application/xml",
                    headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-cache"})


@bp.route("/versions/<int:version_id>/new-draft", methods=["POST"])
@roles(*EDITORS)
def new_draft(version_id: int) -> ResponseReturnValue:
    if not EmptyForm().validate_on_submit():
        abort(400)
    draft = processes().new_draft(version_id, by=by())
    return redirect(url_for("processes.edit", version_id=draft.id))


def _saved(draft: ProcessVersion) -> dict[str, object]:
    return {
        "id": draft.id, "version": draft.version, "status": draft.status,
        "edit_url": url_for("processes.edit", version_id=draft.id),
        "xml_url": url_for("processes.diagram", version_id=draft.id),
        "save_url": url_for("processes.save", version_id=draft.id),
        "problems_url": url_for("processes.problems", version_id=draft.id),
        "version_url": url_for("processes.version", version_id=draft.id),
        "message": _("已保存为草稿（第 %(version)s 版）", version=draft.version),
    }


@bp.route("/versions/<int:version_id>/draft", methods=["POST"])
@roles(*EDITORS)
def save(version_id: int) -> ResponseReturnValue:
    """The editor posts ``{"xml": …}`` (CSRF token in the ``X-CSRFToken`` header); a draft is saved as typed."""
    if request.content_length is not None and request.content_length > MAX_BPMN_BYTES + 1024:
        abort(413)
    body = request.get_json(silent=True)
    xml = body.get("xml") if isinstance(body, dict) else None
    if not isinstance(xml, str):
        return jsonify(error=_("请求有误"), message=_("请求中没有流程图（需要 JSON：{\"xml\": …}）")), 400
    draft = processes().save_draft(version_id, xml, by=by())
    return jsonify(_saved(draft))


@bp.route("/versions/<int:version_id>/problems.json")
@roles(*EDITORS)
def problems(version_id: int) -> ResponseReturnValue:
    """Why the version could not be published, for the editor's check button (empty list: it could)."""
    found = processes().validate(version_id)
    return jsonify(problems=[{"element_id": p.element_id, "message": p.message} for p in found],
                   publishable=not found,
                   message=_("检查通过，可以发布。") if not found else
                   _("发现 %(count)d 个问题，修改后才能发布。", count=len(found)))
