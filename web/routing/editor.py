"""The decision-table editor (dmn-js): the table's XML, saving it as a draft, checking it."""
from __future__ import annotations

from flask import Response, abort, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.bpmn.parser import MAX_BPMN_BYTES
from engine.errors import ConflictError
from engine.specs.decision_service import DecisionRow
from web.access import current_actor, roles
from web.routing.blueprint import EDIT, bp, routing


@bp.route("/versions/<int:version_id>/edit")
@roles(*EDIT)
def edit(version_id: int) -> ResponseReturnValue:
    page = routing().page(version_id, current_actor())
    if page.row.status != "draft":
        raise ConflictError(_("只能编辑草稿：请先以此版本新建草稿"))
    return render_template("routing/editor.html", version=page.row)


@bp.route("/versions/<int:version_id>/table.dmn")
@roles(*EDIT)
def table(version_id: int) -> ResponseReturnValue:
    return Response(routing().xml(version_id, current_actor()), mimetype="application/xml",
                    headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-cache"})


def _saved(draft: DecisionRow) -> dict[str, object]:
    return {
        "id": draft.id, "version": draft.version, "status": draft.status,
        "edit_url": url_for("routing.edit", version_id=draft.id),
        "problems_url": url_for("routing.problems", version_id=draft.id),
        "version_url": url_for("routing.version", version_id=draft.id),
        "message": _("已保存为草稿（第 %(version)s 版）", version=draft.version),
    }


@bp.route("/drafts", methods=["POST"])
@roles(*EDIT)
def save() -> ResponseReturnValue:
    """The editor posts ``{"xml": …}`` (CSRF token in the ``X-CSRFToken`` header); saved as a new draft as typed."""
    if request.content_length is not None and request.content_length > MAX_BPMN_BYTES + 1024:
        abort(413)
    body = request.get_json(silent=True)
    xml = body.get("xml") if isinstance(body, dict) else None
    if not isinstance(xml, str):
        return jsonify(error=_("请求有误"), message=_("请求中没有决策表（需要 JSON：{\"xml\": …}）")), 400
    return jsonify(_saved(routing().save(xml, current_actor())))


@bp.route("/versions/<int:version_id>/problems.json")
@roles(*EDIT)
def problems(version_id: int) -> ResponseReturnValue:
    """Why the draft could not be published, each naming its row (empty list: it could)."""
    found = routing().problems(version_id, current_actor())
    return jsonify(problems=found, publishable=not found,
                   message=_("检查通过，可以发布。") if not found else
                   _("发现 %(count)d 个问题，修改后才能发布。", count=len(found)))
